import { describe, expect, it } from '@jest/globals';
import { makeApiHandler } from '../../../lambdas/service/api/app';
import { VersionConflictError } from '../../../lambdas/service/errors';
import { apiEvent, parseResponse } from './support/api-events';
import { inMemoryApi } from './support/in-memory-repositories';

const placeBody = { customerId: 'customer-1', items: [{ sku: 'A', quantity: 2, unitPriceCents: 250 }, { sku: 'B', quantity: 1, unitPriceCents: 99 }] };

async function placedOrder() {
  const { store, deps } = inMemoryApi();
  const handler = makeApiHandler(deps);
  const placed = parseResponse(await handler(apiEvent({ method: 'POST', resource: '/orders', body: placeBody, requestId: 'req-place' })));
  return { store, deps, handler, orderId: placed.json.orderId as string, placed };
}

const cancelCall = (orderId: string, body?: unknown) =>
  apiEvent({ method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId }, body, requestId: 'req-cancel' });

describe('orders through the API (in-memory ports)', () => {
  it('places an order: 201, version 1, the total, and OrderPlaced beside it', async () => {
    const { store, orderId, placed } = await placedOrder();

    expect(placed.statusCode).toBe(201);
    expect(placed.json).toEqual({ orderId, status: 'PLACED', version: 1, totalCents: 599 });
    expect(store.orders.get(orderId)).toMatchObject({ customerId: 'customer-1', status: 'PLACED', version: 1, totalCents: 599 });
    expect(store.outbox).toHaveLength(1);
    expect(store.outbox[0]).toMatchObject({
      type: 'OrderPlaced',
      source: 'dualwrite.orders',
      aggregateType: 'Order',
      aggregateId: orderId,
      aggregateVersion: 1,
      correlationId: 'req-place',
      causationId: 'req-place',
      data: { customerId: 'customer-1', items: placeBody.items, totalCents: 599 },
    });
  });

  it('gets the order it placed', async () => {
    const { handler, orderId } = await placedOrder();
    const response = parseResponse(await handler(apiEvent({ method: 'GET', resource: '/orders/{orderId}', pathParameters: { orderId } })));
    expect(response.statusCode).toBe(200);
    expect(response.json).toMatchObject({ orderId, customerId: 'customer-1', items: placeBody.items, status: 'PLACED', version: 1 });
  });

  it('cancels without a body: 200 version 2 and OrderCancelled version 2', async () => {
    const { store, handler, orderId } = await placedOrder();

    const response = parseResponse(await handler(cancelCall(orderId)));

    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ orderId, status: 'CANCELLED', version: 2 });
    expect(store.outbox.map((event) => [event.type, event.aggregateVersion])).toEqual([
      ['OrderPlaced', 1],
      ['OrderCancelled', 2],
    ]);
    expect(store.outbox[1]?.causationId).toBe('req-cancel');
  });

  it('keeps the reason and honours a matching expectedVersion', async () => {
    const { store, handler, orderId } = await placedOrder();

    const response = parseResponse(await handler(cancelCall(orderId, { reason: 'changed my mind', expectedVersion: 1 })));

    expect(response.statusCode).toBe(200);
    expect(store.orders.get(orderId)?.cancelReason).toBe('changed my mind');
    expect(store.outbox[1]?.data).toEqual({ reason: 'changed my mind' });
  });

  it('refuses a second cancel with 409 ILLEGAL_TRANSITION and writes nothing more', async () => {
    const { store, handler, orderId } = await placedOrder();
    await handler(cancelCall(orderId));
    const writesBefore = store.writes.length;

    const response = parseResponse(await handler(cancelCall(orderId)));

    expect(response.statusCode).toBe(409);
    expect(response.json.error.code).toBe('ILLEGAL_TRANSITION');
    expect(store.writes).toHaveLength(writesBefore);
  });

  it('refuses a stale expectedVersion with 409 VERSION_CONFLICT', async () => {
    const { store, handler, orderId } = await placedOrder();

    const response = parseResponse(await handler(cancelCall(orderId, { expectedVersion: 7 })));

    expect(response.statusCode).toBe(409);
    expect(response.json.error.code).toBe('VERSION_CONFLICT');
    expect(store.orders.get(orderId)?.status).toBe('PLACED');
    expect(store.outbox).toHaveLength(1);
  });

  it('answers a lost race with 409', async () => {
    const { deps, orderId } = await placedOrder();
    const racing = makeApiHandler({
      ...deps,
      orders: {
        findById: (id) => deps.orders.findById(id),
        create: (order, event) => deps.orders.create(order, event),
        update: async () => {
          throw new VersionConflictError('another cancel committed first');
        },
      },
    });

    const response = parseResponse(await racing(cancelCall(orderId)));

    expect(response.statusCode).toBe(409);
    expect(response.json.error.code).toBe('VERSION_CONFLICT');
  });

  it('shows an empty timeline for an order the consumer has not reached yet', async () => {
    const { handler, orderId } = await placedOrder();
    const response = parseResponse(await handler(apiEvent({ method: 'GET', resource: '/orders/{orderId}/timeline', pathParameters: { orderId } })));
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ orderId, events: [] });
  });
});

describe('payments through the API (in-memory ports)', () => {
  it('accepts a payment with 202, writes the event and the cache but no payment, and reads it from the cache', async () => {
    const { store, handler, orderId } = await placedOrder();

    const accepted = parseResponse(
      await handler(apiEvent({ method: 'POST', resource: '/orders/{orderId}/payments', pathParameters: { orderId }, body: { amountCents: 599 } })),
    );
    const paymentId = accepted.json.paymentId as string;
    const read = parseResponse(await handler(apiEvent({ method: 'GET', resource: '/payments/{paymentId}', pathParameters: { paymentId } })));

    expect(accepted.statusCode).toBe(202);
    expect(accepted.json).toEqual({ paymentId, status: 'PENDING' });
    expect(store.payments.size).toBe(0);
    expect(store.outbox.at(-1)).toMatchObject({
      type: 'PaymentRequested',
      source: 'dualwrite.payments',
      aggregateType: 'Payment',
      aggregateId: paymentId,
      aggregateVersion: 1,
      data: { paymentId, orderId, amountCents: 599 },
    });
    expect(read.statusCode).toBe(200);
    expect(read.json).toEqual({ paymentId, orderId, amountCents: 599, status: 'PENDING', source: 'cache' });
  });

  it('refuses a payment for a cancelled order with 409 and writes nothing', async () => {
    const { store, handler, orderId } = await placedOrder();
    await handler(cancelCall(orderId));
    const writesBefore = store.writes.length;

    const response = parseResponse(
      await handler(apiEvent({ method: 'POST', resource: '/orders/{orderId}/payments', pathParameters: { orderId }, body: { amountCents: 1 } })),
    );

    expect(response.statusCode).toBe(409);
    expect(response.json.error.code).toBe('ILLEGAL_TRANSITION');
    expect(store.writes).toHaveLength(writesBefore);
  });

  it('no longer answers from an expired cache item', async () => {
    const { store, deps, orderId } = await placedOrder();
    const paymentsHandler = makeApiHandler(deps);
    const accepted = parseResponse(
      await paymentsHandler(apiEvent({ method: 'POST', resource: '/orders/{orderId}/payments', pathParameters: { orderId }, body: { amountCents: 5 } })),
    );
    const later = makeApiHandler({ ...deps, clock: () => new Date('2026-11-28T10:00:01.000Z') });

    const read = parseResponse(await later(apiEvent({ method: 'GET', resource: '/payments/{paymentId}', pathParameters: { paymentId: accepted.json.paymentId } })));

    expect(store.paymentCache.size).toBe(1);
    expect(read.statusCode).toBe(404);
  });
});

describe('customers through the API (in-memory ports)', () => {
  const put = (customerId: string, body: unknown) =>
    apiEvent({ method: 'PUT', resource: '/customers/{customerId}', pathParameters: { customerId }, body, requestId: 'req-put' });

  it('creates at version 1, bumps the version on a change, and writes nothing when nothing changed', async () => {
    const { store, deps } = inMemoryApi();
    const handler = makeApiHandler(deps);

    const created = parseResponse(await handler(put('c-1', { name: 'Ann', email: 'ann@example.com' })));
    const unchanged = parseResponse(await handler(put('c-1', { name: 'Ann', email: 'ann@example.com' })));
    const writesAfterUnchanged = store.writes.length;
    const changed = parseResponse(await handler(put('c-1', { name: 'Ann Lee', email: 'ann@example.com' })));

    expect(created.statusCode).toBe(200);
    expect(created.json).toEqual({ customerId: 'c-1', name: 'Ann', email: 'ann@example.com', version: 1 });
    expect(unchanged.statusCode).toBe(200);
    expect(unchanged.json).toEqual(created.json);
    expect(writesAfterUnchanged).toBe(1);
    expect(changed.json).toEqual({ customerId: 'c-1', name: 'Ann Lee', email: 'ann@example.com', version: 2 });
    expect(store.customers.get('c-1')).toMatchObject({ version: 2, correlationId: 'req-put' });
    expect(store.outbox).toEqual([]);
  });

  it('deletes with 204 and then answers 404', async () => {
    const { deps } = inMemoryApi();
    const handler = makeApiHandler(deps);
    await handler(put('c-2', { name: 'Bo', email: 'bo@example.com' }));
    const remove = apiEvent({ method: 'DELETE', resource: '/customers/{customerId}', pathParameters: { customerId: 'c-2' } });

    const first = await handler(remove);
    const second = parseResponse(await handler(remove));

    expect(first.statusCode).toBe(204);
    expect(first.body).toBe('');
    expect(second.statusCode).toBe(404);
    expect(second.json.error.code).toBe('NOT_FOUND');
  });
});
