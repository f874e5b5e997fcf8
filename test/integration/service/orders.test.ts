/**
 * Orders and payments commands against the emulator: the API handler over the real DynamoDB
 * adapters and one fresh table per test. What the in-memory unit tests cannot show: that a
 * cancelled TransactWriteItems leaves nothing behind, and that racing commands serialise.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { outboxSortKey } from '../../../lambdas/dualwrite/outbox';
import { makeApiHandler } from '../../../lambdas/service/api/app';
import type { OrderRepository } from '../../../lambdas/service/orders/order-repository';
import { apiEvent, parseResponse } from '../../unit/service/support/api-events';
import { documentClient, readStreamRecords } from '../support/aws';
import { outboxEnvelopes, partitionItems, serviceOnFreshTable } from './support';

const placeBody = { customerId: 'customer-1', items: [{ sku: 'A', quantity: 2, unitPriceCents: 250 }] };

describe('orders on the emulator', () => {
  it('places, reads and cancels an order, each command with its outbox item in the same partition', async () => {
    const { tableName, api } = await serviceOnFreshTable('orders-flow');

    const placed = parseResponse(await api(apiEvent({ method: 'POST', resource: '/orders', body: placeBody, requestId: 'req-1' })));
    const orderId = placed.json.orderId as string;
    const read = parseResponse(await api(apiEvent({ method: 'GET', resource: '/orders/{orderId}', pathParameters: { orderId } })));
    const cancelled = parseResponse(
      await api(apiEvent({ method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId }, body: { reason: 'test' }, requestId: 'req-2' })),
    );

    expect(placed.statusCode).toBe(201);
    expect(placed.json).toEqual({ orderId, status: 'PLACED', version: 1, totalCents: 500 });
    expect(orderId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(read.statusCode).toBe(200);
    expect(read.json).toMatchObject({ orderId, customerId: 'customer-1', status: 'PLACED', version: 1, totalCents: 500 });
    expect(read.json).not.toHaveProperty('pk');
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json).toEqual({ orderId, status: 'CANCELLED', version: 2 });
    const items = await partitionItems(tableName, `ORDER#${orderId}`);
    expect(items.map((item) => item.sk)).toEqual([outboxSortKey(1), outboxSortKey(2), 'STATE']);
    expect(items.find((item) => item.sk === 'STATE')).toMatchObject({ status: 'CANCELLED', version: 2, cancelReason: 'test' });
    const events = await outboxEnvelopes(tableName, `ORDER#${orderId}`);
    expect(events.map((event) => [event.type, event.aggregateVersion, event.correlationId])).toEqual([
      ['OrderPlaced', 1, 'req-1'],
      ['OrderCancelled', 2, 'req-2'],
    ]);
  });

  it('a cancelled transaction writes nothing: no order, no new outbox item, no stream record', async () => {
    // A stale outbox item at the slot OrderPlaced needs makes the outbox guard fail; the order put
    // alone would have succeeded, so anything left behind would be a half write.
    const orderId = 'COLLIDING-ORDER';
    const { tableName, api } = await serviceOnFreshTable('orders-cancelled-tx', { newId: () => orderId });
    const stale = { pk: `ORDER#${orderId}`, sk: outboxSortKey(1), entityType: 'Outbox', envelope: { stale: true }, expiresAt: 1 };
    await documentClient().send(new PutCommand({ TableName: tableName, Item: stale }));
    const streamBefore = (await readStreamRecords(tableName)).length;

    const response = parseResponse(await api(apiEvent({ method: 'POST', resource: '/orders', body: placeBody })));

    expect(response.statusCode).toBe(409);
    expect(response.json.error.code).toBe('VERSION_CONFLICT');
    expect(await partitionItems(tableName, `ORDER#${orderId}`)).toEqual([stale]);
    expect(await readStreamRecords(tableName)).toHaveLength(streamBefore);
  });

  it('ten concurrent cancels: exactly one 200, nine 409, exactly one OrderCancelled', async () => {
    const { tableName, api } = await serviceOnFreshTable('orders-race');
    const orderId = parseResponse(await api(apiEvent({ method: 'POST', resource: '/orders', body: placeBody }))).json.orderId as string;

    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        api(apiEvent({ method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId }, requestId: `cancel-${index}` })).then(parseResponse),
      ),
    );

    const statuses = responses.map((response) => response.statusCode).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const refused of responses.filter((response) => response.statusCode === 409)) {
      expect(['VERSION_CONFLICT', 'ILLEGAL_TRANSITION']).toContain(refused.json.error.code);
    }
    const events = await outboxEnvelopes(tableName, `ORDER#${orderId}`);
    expect(events.filter((event) => event.type === 'OrderCancelled')).toHaveLength(1);
    const winner = responses.find((response) => response.statusCode === 200);
    expect(winner?.json).toEqual({ orderId, status: 'CANCELLED', version: 2 });
  });

  it('a payment racing a cancel is refused by the condition check and writes nothing', async () => {
    const { tableName, deps, api } = await serviceOnFreshTable('payments-race', { newId: () => 'RACED-PAYMENT' });
    // The payment command reads the order as it was before a cancel commits (a request in flight
    // during the cancel); its ConditionCheck must then refuse the whole transaction.
    await documentClient().send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: 'ORDER#O-1',
          sk: 'STATE',
          entityType: 'Order',
          orderId: 'O-1',
          customerId: 'c',
          items: placeBody.items,
          totalCents: 500,
          status: 'PLACED',
          version: 1,
          createdAt: '2026-11-27T10:00:00.000Z',
          updatedAt: '2026-11-27T10:00:00.000Z',
        },
      }),
    );
    const snapshot = await deps.orders.findById('O-1');
    const cancelled = await api(apiEvent({ method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId: 'O-1' } }));
    expect(cancelled.statusCode).toBe(200);
    const staleOrders: OrderRepository = {
      findById: async () => snapshot,
      create: (order, event) => deps.orders.create(order, event),
      update: (order, expected, event) => deps.orders.update(order, expected, event),
    };
    const inFlight = makeApiHandler({ ...deps, orders: staleOrders });

    const response = parseResponse(
      await inFlight(apiEvent({ method: 'POST', resource: '/orders/{orderId}/payments', pathParameters: { orderId: 'O-1' }, body: { amountCents: 500 } })),
    );

    expect(response.statusCode).toBe(409);
    expect(response.json.error.code).toBe('VERSION_CONFLICT');
    expect(await partitionItems(tableName, 'PAYMENT#RACED-PAYMENT')).toEqual([]);
  });
});
