/**
 * `Idempotency-Key` on the POST commands, with Powertools idempotency over the in-memory
 * persistence layer: a retry gets the first answer and writes nothing; a reused key with another
 * body is 422; keys are scoped to route and path; a bad key is 400; only deterministic answers stay.
 */
import { describe, expect, it } from '@jest/globals';
import { API_IDEMPOTENCY_EXPIRY_SECONDS, API_IDEMPOTENCY_KEY_PREFIX } from '../../../lambdas/service/api/idempotent-commands';
import { makeApiHandler } from '../../../lambdas/service/api/app';
import { VersionConflictError } from '../../../lambdas/service/errors';
import type { OrderRepository } from '../../../lambdas/service/orders/order-repository';
import { apiEvent, lambdaContext, parseResponse, type ApiCall } from './support/api-events';
import { inMemoryApi, placedOrder } from './support/in-memory-repositories';

const item = { sku: 'SKU-1', quantity: 2, unitPriceCents: 150 };
const placeBody = { customerId: 'customer-1', items: [item] };

const withKey = (call: ApiCall, key: string, requestId = 'req-1'): ApiCall => ({
  ...call,
  requestId,
  headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
});
const place = (body: unknown = placeBody): ApiCall => ({ method: 'POST', resource: '/orders', body });
const cancel = (orderId: string, body?: unknown): ApiCall => ({ method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId }, body });
const pay = (orderId: string, amountCents = 300): ApiCall => ({ method: 'POST', resource: '/orders/{orderId}/payments', pathParameters: { orderId }, body: { amountCents } });

/**
 * The API over the in-memory fakes with orders O-1 and O-2 placed. `replaceOrders` may replace
 * methods of the order repository; the others reach the in-memory one it is given.
 */
function api(replaceOrders: (orders: OrderRepository) => Partial<OrderRepository> = () => ({})) {
  const memory = inMemoryApi();
  memory.store.orders.set('O-1', placedOrder('O-1'));
  memory.store.orders.set('O-2', placedOrder('O-2'));
  const orders = memory.deps.orders;
  const handler = makeApiHandler({
    ...memory.deps,
    orders: {
      findById: (id) => orders.findById(id),
      create: (order, event) => orders.create(order, event),
      update: (order, expected, event) => orders.update(order, expected, event),
      ...replaceOrders(orders),
    },
  });
  const call = async (request: ApiCall) => parseResponse(await handler(apiEvent(request), lambdaContext()));
  return { ...memory, call };
}

describe('Idempotency-Key: a retry gets the first answer and writes nothing new', () => {
  it.each([
    { route: 'POST /orders', request: place(), status: 201 },
    { route: 'POST /orders/{orderId}/cancel', request: cancel('O-1', { reason: 'changed my mind' }), status: 200 },
    { route: 'POST /orders/{orderId}/payments', request: pay('O-1'), status: 202 },
  ])('$route', async ({ request, status }) => {
    const { store, call } = api();

    const first = await call(withKey(request, 'key-1', 'req-first'));
    const retry = await call(withKey(request, 'key-1', 'req-retry'));

    expect(first.statusCode).toBe(status);
    expect(retry.statusCode).toBe(status);
    expect(retry.json).toEqual(first.json);
    expect(first.headers).not.toHaveProperty('idempotent-replayed');
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers['x-correlation-id']).toBe('req-retry');
    expect(store.writes).toHaveLength(1);
    expect(store.outbox).toHaveLength(1);
  });

  it('two retries of POST /orders: one order, the same orderId three times', async () => {
    const { store, call } = api();

    const answers = [await call(withKey(place(), 'k')), await call(withKey(place(), 'k')), await call(withKey(place(), 'k'))];

    expect(new Set(answers.map((answer) => answer.json.orderId)).size).toBe(1);
    expect(store.orders.size).toBe(3); // O-1, O-2 and the one placed
  });

  it('treats the same body in another key order or spacing as the same request', async () => {
    const { store, call } = api();

    const first = await call(withKey(place(JSON.stringify({ customerId: 'customer-1', items: [item] })), 'k'));
    const retry = await call(withKey(place(`{ "items": [ {"unitPriceCents":150, "quantity":2, "sku":"SKU-1"} ],\n "customerId": "customer-1" }`), 'k'));

    expect(retry.statusCode).toBe(201);
    expect(retry.json).toEqual(first.json);
    expect(store.writes).toHaveLength(1);
  });

  it('keeps the answer 24 hours', async () => {
    const { idempotency, call } = api();
    const before = Math.floor(Date.now() / 1000);

    await call(withKey(place(), 'k'));

    const [record] = [...idempotency.records.values()];
    expect(record?.idempotencyKey.startsWith(`${API_IDEMPOTENCY_KEY_PREFIX}#`)).toBe(true);
    expect(record?.expiryTimestamp).toBeGreaterThanOrEqual(before + API_IDEMPOTENCY_EXPIRY_SECONDS);
    expect(record?.expiryTimestamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + API_IDEMPOTENCY_EXPIRY_SECONDS);
    expect(API_IDEMPOTENCY_EXPIRY_SECONDS).toBe(86_400);
  });

  it('without the header every request runs (behaviour unchanged) and nothing is remembered', async () => {
    const { store, idempotency, call } = api();

    const first = await call(place());
    const second = await call(place());

    expect(first.json.orderId).not.toBe(second.json.orderId);
    expect(store.writes).toHaveLength(2);
    expect(idempotency.records.size).toBe(0);
  });
});

describe('Idempotency-Key reused with another body', () => {
  it.each([
    { route: 'POST /orders', first: place(), second: place({ ...placeBody, customerId: 'customer-2' }) },
    { route: 'POST /orders/{orderId}/cancel', first: cancel('O-1', { reason: 'a' }), second: cancel('O-1', { reason: 'b' }) },
    { route: 'POST /orders/{orderId}/payments', first: pay('O-1', 300), second: pay('O-1', 301) },
  ])('$route → 422 IDEMPOTENCY_KEY_REUSED, nothing written', async ({ first, second }) => {
    const { store, call } = api();
    await call(withKey(first, 'k'));
    const writesBefore = [...store.writes];
    const outboxBefore = store.outbox.length;

    const refused = await call(withKey(second, 'k'));

    expect(refused.statusCode).toBe(422);
    expect(refused.json).toEqual({ error: { code: 'IDEMPOTENCY_KEY_REUSED', message: expect.stringContaining('Idempotency-Key') } });
    expect(store.writes).toEqual(writesBefore);
    expect(store.outbox).toHaveLength(outboxBefore);
  });
});

describe('Idempotency-Key scope: route and path', () => {
  it('the same key cancels two different orders', async () => {
    const { store, call } = api();

    const one = await call(withKey(cancel('O-1'), 'shared'));
    const two = await call(withKey(cancel('O-2'), 'shared'));

    expect(one).toMatchObject({ statusCode: 200, json: { orderId: 'O-1', status: 'CANCELLED' } });
    expect(two).toMatchObject({ statusCode: 200, json: { orderId: 'O-2', status: 'CANCELLED' } });
    expect(two.headers).not.toHaveProperty('idempotent-replayed');
    expect(store.writes).toEqual(['update order O-1', 'update order O-2']);
  });

  it('the same key on three routes runs three commands', async () => {
    const { store, call } = api();

    const placed = await call(withKey(place(), 'shared'));
    const paid = await call(withKey(pay('O-1'), 'shared'));
    const cancelled = await call(withKey(cancel('O-1'), 'shared'));

    expect([placed.statusCode, paid.statusCode, cancelled.statusCode]).toEqual([201, 202, 200]);
    expect(store.outbox.map((event) => event.type)).toEqual(['OrderPlaced', 'PaymentRequested', 'OrderCancelled']);
  });
});

describe('a malformed Idempotency-Key', () => {
  it.each([
    ['empty', ''],
    ['129 characters', 'k'.repeat(129)],
    ['a space', 'my key'],
    ['a #', 'ORDER#1'],
    ['a slash', 'a/b'],
    ['a control character', 'a\u0001b'],
    ['non-ASCII', 'clé'],
  ])('%s → 400 naming the header, nothing written or remembered', async (_, key) => {
    const { store, idempotency, call } = api();

    const responses = [await call(withKey(place(), key)), await call(withKey(cancel('O-1'), key)), await call(withKey(pay('O-1'), key))];

    for (const response of responses) {
      expect(response.statusCode).toBe(400);
      expect(response.json).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('Idempotency-Key') } });
    }
    expect(store.writes).toEqual([]);
    expect(idempotency.records.size).toBe(0);
  });

  it('accepts 128 characters of the allowed alphabet', async () => {
    const { call } = api();
    const key = 'aZ09._:-'.repeat(16);
    expect(key).toHaveLength(128);
    expect((await call(withKey(place(), key))).statusCode).toBe(201);
  });

  it('validates the body before remembering anything: a bad body with a key is 400 and the key stays free', async () => {
    const { store, idempotency, call } = api();

    const refused = await call(withKey(place({ customerId: 'c' }), 'k'));
    const accepted = await call(withKey(place(), 'k'));

    expect(refused.statusCode).toBe(400);
    expect(accepted.statusCode).toBe(201);
    expect(store.writes).toHaveLength(1);
    expect(idempotency.records.size).toBe(1);
  });
});

describe('which answers are remembered', () => {
  it('a deterministic refusal (409 ILLEGAL_TRANSITION) is given again, even after the state would allow it', async () => {
    const { store, call } = api();
    store.orders.set('O-1', { ...placedOrder('O-1'), status: 'CANCELLED', version: 2 });

    const first = await call(withKey(pay('O-1'), 'k'));
    store.orders.set('O-1', placedOrder('O-1'));
    const retry = await call(withKey(pay('O-1'), 'k'));

    expect(first.statusCode).toBe(409);
    expect(first.json.error.code).toBe('ILLEGAL_TRANSITION');
    expect(retry.statusCode).toBe(409);
    expect(retry.json).toEqual(first.json);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(store.writes).toEqual([]);
  });

  it('a 404 is remembered too', async () => {
    const { call } = api();
    const first = await call(withKey(cancel('NOPE'), 'k'));
    const retry = await call(withKey(cancel('NOPE'), 'k'));
    expect([first.statusCode, retry.statusCode]).toEqual([404, 404]);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });

  it('a lost race (409 VERSION_CONFLICT) is not: the retry with the same key runs again', async () => {
    let races = 1;
    const { store, call } = api((orders) => ({
      update: async (order, expected, event) => {
        if (races-- > 0) throw new VersionConflictError('another request committed first');
        return orders.update(order, expected, event);
      },
    }));

    const lost = await call(withKey(cancel('O-1'), 'k'));
    const retry = await call(withKey(cancel('O-1'), 'k'));

    expect(lost.statusCode).toBe(409);
    expect(lost.json.error.code).toBe('VERSION_CONFLICT');
    expect(retry.statusCode).toBe(200);
    expect(retry.headers).not.toHaveProperty('idempotent-replayed');
    expect(store.writes).toEqual(['update order O-1']);
  });

  it('a 500 is not: it is answered without detail and the retry runs again', async () => {
    let failures = 1;
    const { store, call } = api((orders) => ({
      create: async (order, event) => {
        if (failures-- > 0) throw new Error('ProvisionedThroughputExceeded (internal detail)');
        return orders.create(order, event);
      },
    }));

    const failed = await call(withKey(place(), 'k'));
    const retry = await call(withKey(place(), 'k'));

    expect(failed.statusCode).toBe(500);
    expect(failed.json.error.code).toBe('INTERNAL_ERROR');
    expect(failed.json.error.message).not.toContain('internal detail');
    expect(retry.statusCode).toBe(201);
    expect(store.writes).toHaveLength(1);
  });
});

describe('the same key while the first request is still running', () => {
  it('→ 409 IDEMPOTENCY_IN_PROGRESS, then the first answer once it has finished', async () => {
    let entered!: () => void;
    const createStarted = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { store, call } = api((orders) => ({
      create: async (order, event) => {
        entered();
        await gate;
        return orders.create(order, event);
      },
    }));

    const first = call(withKey(place(), 'k'));
    await createStarted;
    const concurrent = await call(withKey(place(), 'k'));
    release();
    const firstAnswer = await first;
    const later = await call(withKey(place(), 'k'));

    expect(concurrent.statusCode).toBe(409);
    expect(concurrent.json).toEqual({ error: { code: 'IDEMPOTENCY_IN_PROGRESS', message: expect.stringContaining('in progress') } });
    expect(firstAnswer.statusCode).toBe(201);
    expect(later.json).toEqual(firstAnswer.json);
    expect(store.writes).toHaveLength(1);
  });
});
