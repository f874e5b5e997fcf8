/**
 * A keyed command that runs again because its idempotency record was lost (the process died after
 * the command committed, before Powertools completed the record, and the in-progress window
 * passed): its ids are derived from the key, so the second run finds the first one's commit,
 * answers as it did and writes nothing; another body under the key is 422.
 */
import { describe, expect, it } from '@jest/globals';
import { makeApiHandler } from '../../../lambdas/service/api/app';
import { IdempotencyKeyReusedError, VersionConflictError } from '../../../lambdas/service/errors';
import { placeOrder } from '../../../lambdas/service/orders/order-use-cases';
import { requestPayment } from '../../../lambdas/service/payments/payment-use-cases';
import { apiEvent, lambdaContext, parseResponse, type ApiCall } from './support/api-events';
import { InMemoryOrderRepository, InMemoryPaymentRepository, InMemoryStore, inMemoryApi, placedOrder } from './support/in-memory-repositories';

const placeBody = { customerId: 'customer-1', items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 150 }] };
const withKey = (call: ApiCall, key: string, requestId: string): ApiCall => ({
  ...call,
  requestId,
  headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
});
const place = (body: unknown = placeBody): ApiCall => ({ method: 'POST', resource: '/orders', body });
const pay = (orderId: string, amountCents = 300): ApiCall => ({ method: 'POST', resource: '/orders/{orderId}/payments', pathParameters: { orderId }, body: { amountCents } });
const cancel = (orderId: string): ApiCall => ({ method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId } });

/** The API over the in-memory fakes with order O-1 placed; `loseRecords` plays the crash. */
function api() {
  const memory = inMemoryApi();
  memory.store.orders.set('O-1', placedOrder('O-1'));
  const handler = makeApiHandler(memory.deps);
  const call = async (request: ApiCall) => parseResponse(await handler(apiEvent(request), lambdaContext()));
  /** As if every keyed command had died before its record was completed and the record had expired. */
  const loseRecords = () => memory.idempotency.records.clear();
  return { ...memory, call, loseRecords };
}

describe('a keyed command run again after its idempotency record was lost', () => {
  it.each([
    { route: 'POST /orders', request: place(), status: 201, idField: 'orderId' },
    { route: 'POST /orders/{orderId}/payments', request: pay('O-1'), status: 202, idField: 'paymentId' },
  ])('$route: the same answer, one write, one outbox event', async ({ request, status, idField }) => {
    const { store, call, loseRecords } = api();

    const first = await call(withKey(request, 'key-1', 'req-first'));
    loseRecords();
    const again = await call(withKey(request, 'key-1', 'req-again'));

    expect(first.statusCode).toBe(status);
    expect(again.statusCode).toBe(status);
    expect(again.json).toEqual(first.json);
    expect(again.headers).not.toHaveProperty('idempotent-replayed');
    expect(first.json[idField]).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    expect(store.writes).toHaveLength(1);
    expect(store.outbox).toHaveLength(1);
  });

  it('the answer of the second run is remembered: a third request is a replay', async () => {
    const { store, call, loseRecords } = api();
    const first = await call(withKey(place(), 'key-1', 'req-1'));
    loseRecords();
    await call(withKey(place(), 'key-1', 'req-2'));

    const third = await call(withKey(place(), 'key-1', 'req-3'));

    expect(third.json).toEqual(first.json);
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect(store.writes).toHaveLength(1);
  });

  it('a payment run again after the order was cancelled still answers 202 with the same payment', async () => {
    const { store, call, loseRecords } = api();
    const first = await call(withKey(pay('O-1'), 'key-1', 'req-1'));
    loseRecords();
    expect((await call(cancel('O-1'))).statusCode).toBe(200);

    const again = await call(withKey(pay('O-1'), 'key-1', 'req-2'));

    expect(again).toMatchObject({ statusCode: 202, json: first.json });
    expect(store.outbox.map((event) => event.type)).toEqual(['PaymentRequested', 'OrderCancelled']);
  });

  it('a payment run again after the consumer settled it (cache item gone) writes nothing', async () => {
    const { store, call, loseRecords } = api();
    const first = await call(withKey(pay('O-1'), 'key-1', 'req-1'));
    const { paymentId } = first.json;
    store.payments.set(paymentId, { paymentId, orderId: 'O-1', amountCents: 300, status: 'CAPTURED', version: 2, capturedAt: '2026-11-27T10:00:01.000Z' });
    store.paymentCache.delete(paymentId);
    loseRecords();

    const again = await call(withKey(pay('O-1'), 'key-1', 'req-2'));

    expect(again).toMatchObject({ statusCode: 202, json: first.json });
    expect(store.outbox).toHaveLength(1);
  });

  it.each([
    { change: 'POST /orders, another customer', first: place(), second: place({ ...placeBody, customerId: 'customer-2' }) },
    { change: 'POST /orders, another quantity', first: place(), second: place({ ...placeBody, items: [{ sku: 'SKU-1', quantity: 3, unitPriceCents: 150 }] }) },
    { change: 'POST /orders/{orderId}/payments, another amount', first: pay('O-1', 300), second: pay('O-1', 301) },
  ])('$change under the key: 422 IDEMPOTENCY_KEY_REUSED, nothing written', async ({ first, second }) => {
    const { store, call, loseRecords } = api();
    await call(withKey(first, 'key-1', 'req-1'));
    loseRecords();
    const writesBefore = [...store.writes];

    const refused = await call(withKey(second, 'key-1', 'req-2'));

    expect(refused.statusCode).toBe(422);
    expect(refused.json).toEqual({ error: { code: 'IDEMPOTENCY_KEY_REUSED', message: expect.stringContaining('Idempotency-Key') } });
    expect(store.writes).toEqual(writesBefore);
    expect(store.outbox).toHaveLength(1);
  });

  it('without a key nothing changes: two requests, two orders with fresh ids', async () => {
    const { store, call } = api();
    const first = await call(place());
    const second = await call(place());
    expect(first.json.orderId).not.toBe(second.json.orderId);
    expect([first.json.orderId, second.json.orderId]).toEqual(['ID000000000000000000000001', 'ID000000000000000000000002']);
    expect(store.writes).toHaveLength(2);
  });
});

describe('the use cases meeting an entity with their id', () => {
  const clock = () => new Date('2026-11-27T10:00:00.000Z');
  const request = { correlationId: 'c-1' };

  it('placeOrder compares the stored order by value: items read back with their fields in another order are the same command', async () => {
    const store = new InMemoryStore();
    const deps = { orders: new InMemoryOrderRepository(store), clock, newId: () => 'O-9' };
    const first = await placeOrder(deps, placeBody, request);
    const stored = store.orders.get('O-9')!;
    store.orders.set('O-9', { ...stored, items: [{ unitPriceCents: 150, sku: 'SKU-1', quantity: 2 }] });

    const again = await placeOrder(deps, placeBody, request);

    expect(again).toEqual(first);
    expect(store.outbox).toHaveLength(1);
  });

  it('placeOrder after the order was cancelled answers as it did first: PLACED, version 1', async () => {
    const store = new InMemoryStore();
    const deps = { orders: new InMemoryOrderRepository(store), clock, newId: () => 'O-9' };
    const first = await placeOrder(deps, placeBody, request);
    store.orders.set('O-9', { ...store.orders.get('O-9')!, status: 'CANCELLED', version: 2 });

    expect(await placeOrder(deps, placeBody, request)).toEqual({ ...first, status: 'PLACED', version: 1 });
  });

  it('placeOrder with another body throws IdempotencyKeyReusedError', async () => {
    const store = new InMemoryStore();
    const deps = { orders: new InMemoryOrderRepository(store), clock, newId: () => 'O-9' };
    await placeOrder(deps, placeBody, request);

    await expect(placeOrder(deps, { ...placeBody, customerId: 'customer-2' }, request)).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('placeOrder passes a conflict on through when no order has its id', async () => {
    const conflict = new VersionConflictError('another writer in flight');
    const orders = { findById: async () => undefined, create: async () => Promise.reject(conflict), update: async () => undefined };

    await expect(placeOrder({ orders, clock, newId: () => 'O-9' }, placeBody, request)).rejects.toBe(conflict);
  });

  it('requestPayment refuses a cancelled order as before when its payment id was never requested', async () => {
    const store = new InMemoryStore();
    store.orders.set('O-1', { ...placedOrder('O-1'), status: 'CANCELLED', version: 2 });
    const deps = { orders: new InMemoryOrderRepository(store), payments: new InMemoryPaymentRepository(store), clock, newId: () => 'P-9' };

    await expect(requestPayment(deps, 'O-1', { amountCents: 300 }, request)).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
    expect(store.writes).toEqual([]);
  });
});
