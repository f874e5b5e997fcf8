/**
 * The zod schemas of every route, through the handler: each bad input is refused with the error
 * shape of docs/design.md#http-api, a message naming the failing field path, and no write by any fake port.
 */
import { describe, expect, it } from '@jest/globals';
import { makeApiHandler } from '../../../lambdas/service/api/app';
import { apiEvent, parseResponse, type ApiCall } from './support/api-events';
import { inMemoryApi, placedOrder } from './support/in-memory-repositories';

const item = { sku: 'SKU-1', quantity: 2, unitPriceCents: 150 };
const order = { customerId: 'customer-1', items: [item] };

/** Every route with an id in its path, with a valid body where it takes one. */
const routesWithIds: Array<{ method: string; resource: string; name: string; body?: unknown }> = [
  { method: 'GET', resource: '/orders/{orderId}', name: 'orderId' },
  { method: 'POST', resource: '/orders/{orderId}/cancel', name: 'orderId', body: { reason: 'x' } },
  { method: 'GET', resource: '/orders/{orderId}/timeline', name: 'orderId' },
  { method: 'POST', resource: '/orders/{orderId}/payments', name: 'orderId', body: { amountCents: 100 } },
  { method: 'GET', resource: '/payments/{paymentId}', name: 'paymentId' },
  { method: 'GET', resource: '/payments/{paymentId}/timeline', name: 'paymentId' },
  { method: 'PUT', resource: '/customers/{customerId}', name: 'customerId', body: { name: 'Ann', email: 'ann@example.com' } },
  { method: 'DELETE', resource: '/customers/{customerId}', name: 'customerId' },
  { method: 'GET', resource: '/customers/{customerId}/timeline', name: 'customerId' },
];

const hostileIds: Array<[string, string]> = [
  ['a key separator (ORDER#x)', 'ORDER#x'],
  ['a trailing #', 'EXISTING#'],
  ['a parent segment (../x)', '../x'],
  ['a slash', 'a/b'],
  ['a dot segment', '..'],
  ['200 characters', 'a'.repeat(200)],
  ['129 characters', 'a'.repeat(129)],
  ['a NUL', 'a\u0000b'],
  ['a newline', 'a\nb'],
  ['a DEL', 'a\u007fb'],
  ['an escape', '\u001b[31m'],
  ['a space', 'a b'],
  ['a non-ASCII letter', 'ördér'],
];

async function refuse(call: ApiCall, prepare?: (store: ReturnType<typeof inMemoryApi>['store']) => void) {
  const { store, deps, idempotency } = inMemoryApi();
  store.orders.set('EXISTING', placedOrder('EXISTING'));
  prepare?.(store);
  const response = parseResponse(await makeApiHandler(deps)(apiEvent(call)));
  return { response, store, idempotency };
}

describe('ids in paths', () => {
  for (const route of routesWithIds) {
    it.each(hostileIds)(`${route.method} ${route.resource}: an id with %s → 400 naming the parameter, nothing written`, async (_, id) => {
      const { response, store } = await refuse({ ...route, pathParameters: { [route.name]: id } }, (memory) => {
        // The id must not reach the ports even when an item with that id exists.
        memory.orders.set(id, placedOrder(id));
      });

      expect(response.statusCode).toBe(400);
      expect(response.json).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.stringContaining(`path parameter ${route.name}`) } });
      expect(store.writes).toEqual([]);
      expect(store.outbox).toEqual([]);
    });
  }

  it.each(['01KAZ5Y5C9W6S6J7QX1N8V0T3M', '3f0c9a4e-2b1d-4c5e-8f7a-6b5c4d3e2f1a', 'customer-1', 'a.b_c:d-e', 'x'.repeat(128)])(
    'accepts the id %j',
    async (id) => {
      const { deps } = inMemoryApi();
      const response = parseResponse(
        await makeApiHandler(deps)(apiEvent({ method: 'PUT', resource: '/customers/{customerId}', pathParameters: { customerId: id }, body: { name: 'Ann', email: 'ann@example.com' } })),
      );
      expect(response.statusCode).toBe(200);
      expect(response.json.customerId).toBe(id);
    },
  );
});

const placeOrder = (body: unknown): ApiCall => ({ method: 'POST', resource: '/orders', body });
const cancel = (body: unknown): ApiCall => ({ method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId: 'EXISTING' }, body });
const pay = (body: unknown): ApiCall => ({ method: 'POST', resource: '/orders/{orderId}/payments', pathParameters: { orderId: 'EXISTING' }, body });
const putCustomer = (body: unknown): ApiCall => ({ method: 'PUT', resource: '/customers/{customerId}', pathParameters: { customerId: 'c-1' }, body });

/** Each case names the field path the message must mention. */
const bodies: Array<{ name: string; call: ApiCall; field: string }> = [
  // types
  { name: 'place: customerId a number', call: placeOrder({ ...order, customerId: 7 }), field: 'customerId' },
  { name: 'place: customerId null', call: placeOrder({ ...order, customerId: null }), field: 'customerId' },
  { name: 'place: items an object', call: placeOrder({ ...order, items: { 0: item } }), field: 'items' },
  { name: 'place: sku a number', call: placeOrder({ ...order, items: [{ ...item, sku: 5 }] }), field: 'items[0].sku' },
  { name: 'place: quantity a boolean', call: placeOrder({ ...order, items: [{ ...item, quantity: true }] }), field: 'items[0].quantity' },
  { name: 'place: price a string', call: placeOrder({ ...order, items: [item, { ...item, unitPriceCents: '1' }] }), field: 'items[1].unitPriceCents' },
  { name: 'place: body a string', call: placeOrder('"an order"'), field: 'request body' },
  { name: 'place: body null', call: placeOrder('null'), field: 'request body' },
  // integer ranges
  { name: 'place: quantity over 10,000', call: placeOrder({ ...order, items: [{ ...item, quantity: 10_001 }] }), field: 'items[0].quantity' },
  { name: 'place: price over 100,000,000', call: placeOrder({ ...order, items: [{ ...item, unitPriceCents: 100_000_001 }] }), field: 'items[0].unitPriceCents' },
  { name: 'place: price NaN-like 1e400', call: placeOrder(`{"customerId":"c","items":[{"sku":"a","quantity":1,"unitPriceCents":1e400}]}`), field: 'items[0].unitPriceCents' },
  { name: 'cancel: expectedVersion fractional', call: cancel({ expectedVersion: 1.5 }), field: 'expectedVersion' },
  { name: 'cancel: expectedVersion over 10 digits', call: cancel({ expectedVersion: 10_000_000_000 }), field: 'expectedVersion' },
  { name: 'cancel: expectedVersion negative', call: cancel({ expectedVersion: -1 }), field: 'expectedVersion' },
  { name: 'pay: amount over the largest order total', call: pay({ amountCents: 100_000_000_000_001 }), field: 'amountCents' },
  { name: 'pay: amount beyond safe integers', call: pay({ amountCents: 2 ** 60 }), field: 'amountCents' },
  // string lengths
  { name: 'place: sku of 129', call: placeOrder({ ...order, items: [{ ...item, sku: 's'.repeat(129) }] }), field: 'items[0].sku' },
  { name: 'place: blank sku', call: placeOrder({ ...order, items: [{ ...item, sku: '  ' }] }), field: 'items[0].sku' },
  { name: 'customer: blank name', call: putCustomer({ name: ' \t ', email: 'a@example.com' }), field: 'name' },
  // email format
  { name: 'customer: email two @', call: putCustomer({ name: 'Ann', email: 'a@b@example.com' }), field: 'email' },
  { name: 'customer: email no local part', call: putCustomer({ name: 'Ann', email: '@example.com' }), field: 'email' },
  { name: 'customer: email trailing dot', call: putCustomer({ name: 'Ann', email: 'ann@example.' }), field: 'email' },
  { name: 'customer: email a number', call: putCustomer({ name: 'Ann', email: 12 }), field: 'email' },
  // item counts
  { name: 'place: 0 items', call: placeOrder({ ...order, items: [] }), field: 'items' },
  { name: 'place: 101 items', call: placeOrder({ ...order, items: Array.from({ length: 101 }, () => item) }), field: 'items' },
  // unknown fields, at every level
  { name: 'place: unknown top-level field', call: placeOrder({ ...order, discount: 100 }), field: 'discount' },
  { name: 'place: unknown field in the 3rd item', call: placeOrder({ ...order, items: [item, item, { ...item, giftWrap: true }] }), field: 'items[2].giftWrap' },
  { name: 'place: __proto__ field', call: placeOrder(`{"customerId":"c","items":[${JSON.stringify(item)}],"__proto__":{"admin":true}}`), field: '__proto__' },
  { name: 'cancel: unknown field', call: cancel({ reason: 'x', status: 'PLACED' }), field: 'status' },
  { name: 'pay: unknown field', call: pay({ amountCents: 1, paymentId: 'mine' }), field: 'paymentId' },
  { name: 'customer: unknown field', call: putCustomer({ name: 'Ann', email: 'a@example.com', version: 9 }), field: 'version' },
];

describe('request bodies (zod schemas)', () => {
  it.each(bodies)('$name → 400 naming $field, nothing written', async ({ call, field }) => {
    const { response, store } = await refuse(call);

    expect(response.statusCode).toBe(400);
    expect(response.json).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.stringContaining(field) } });
    expect(store.writes).toEqual([]);
    expect(store.outbox).toEqual([]);
  });

  it('names every failing field in one message', async () => {
    const { response } = await refuse(placeOrder({ customerId: 1, items: [{ sku: '', quantity: 0, unitPriceCents: -1, colour: 'red' }], coupon: 'x' }));

    const message = response.json.error.message as string;
    for (const field of ['customerId', 'items[0].sku', 'items[0].quantity', 'items[0].unitPriceCents', 'items[0].colour', 'coupon']) {
      expect(message).toContain(field);
    }
  });

  it('reads null optional fields of a cancel as absent', async () => {
    const { deps, store } = inMemoryApi();
    store.orders.set('EXISTING', placedOrder('EXISTING'));

    const response = parseResponse(await makeApiHandler(deps)(apiEvent(cancel({ reason: null, expectedVersion: null }))));

    expect(response.statusCode).toBe(200);
    expect(store.orders.get('EXISTING')).not.toHaveProperty('cancelReason');
  });

  it('accepts the largest values the schemas allow', async () => {
    const { deps, store } = inMemoryApi();
    const items = Array.from({ length: 100 }, (_, index) => ({ sku: `${index}`.padEnd(128, 's'), quantity: 10_000, unitPriceCents: 100_000_000 }));

    const response = parseResponse(await makeApiHandler(deps)(apiEvent(placeOrder({ customerId: 'c'.repeat(128), items }))));

    expect(response.statusCode).toBe(201);
    expect(response.json.totalCents).toBe(100_000_000_000_000);
    expect(store.writes).toHaveLength(1);
  });
});

describe('size and media type come before the schema', () => {
  it('413 for an oversized body even when it is not JSON', async () => {
    const { response, store } = await refuse({ ...putCustomer('x'.repeat(300 * 1024)), headers: { 'content-type': 'text/plain' } });
    expect(response.statusCode).toBe(413);
    expect(response.json.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(store.writes).toEqual([]);
  });

  it.each(['application/xml', 'application/x-www-form-urlencoded', 'application/jsonp', 'text/json'])('415 for content type %s', async (contentType) => {
    const { response, store } = await refuse({ ...pay(JSON.stringify({ amountCents: 1 })), headers: { 'content-type': contentType } });
    expect(response.statusCode).toBe(415);
    expect(response.json).toEqual({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining(contentType) } });
    expect(store.writes).toEqual([]);
  });
});
