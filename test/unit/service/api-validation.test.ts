import { describe, expect, it } from '@jest/globals';
import { makeApiHandler } from '../../../lambdas/service/api/app';
import { MAX_BODY_BYTES } from '../../../lambdas/service/http/request';
import { apiEvent, parseResponse, type ApiCall } from './support/api-events';
import { inMemoryApi, placedOrder } from './support/in-memory-repositories';

const item = { sku: 'SKU-1', quantity: 2, unitPriceCents: 150 };
const order = { customerId: 'customer-1', items: [item] };
const tooBig = JSON.stringify({ customerId: 'x'.repeat(MAX_BODY_BYTES), items: [item] });

const placeOrder = (body: unknown, headers?: Record<string, string>): ApiCall => ({ method: 'POST', resource: '/orders', body, ...(headers ? { headers } : {}) });
const cancel = (body: unknown, headers?: Record<string, string>): ApiCall => ({
  method: 'POST',
  resource: '/orders/{orderId}/cancel',
  pathParameters: { orderId: 'EXISTING' },
  body,
  ...(headers ? { headers } : {}),
});
const pay = (body: unknown, headers?: Record<string, string>): ApiCall => ({
  method: 'POST',
  resource: '/orders/{orderId}/payments',
  pathParameters: { orderId: 'EXISTING' },
  body,
  ...(headers ? { headers } : {}),
});
const putCustomer = (body: unknown, headers?: Record<string, string>, customerId = 'customer-1'): ApiCall => ({
  method: 'PUT',
  resource: '/customers/{customerId}',
  pathParameters: { customerId },
  body,
  ...(headers ? { headers } : {}),
});

const cases: Array<{ name: string; call: ApiCall; status: number; code: string }> = [
  // POST /orders
  { name: 'place: no body', call: placeOrder(undefined), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: malformed JSON', call: placeOrder('{"customerId": '), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: JSON array', call: placeOrder([order]), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: text/plain', call: placeOrder(JSON.stringify(order), { 'Content-Type': 'text/plain' }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'place: no content-type', call: placeOrder(JSON.stringify(order), {}), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'place: body over the cap', call: placeOrder(tooBig), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'place: missing customerId', call: placeOrder({ items: [item] }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: empty customerId', call: placeOrder({ ...order, customerId: '' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: blank customerId', call: placeOrder({ ...order, customerId: '   ' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: numeric customerId', call: placeOrder({ ...order, customerId: 42 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: customerId of 129', call: placeOrder({ ...order, customerId: 'c'.repeat(129) }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: missing items', call: placeOrder({ customerId: 'c' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: items not an array', call: placeOrder({ ...order, items: item }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: no items', call: placeOrder({ ...order, items: [] }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: 101 items', call: placeOrder({ ...order, items: Array.from({ length: 101 }, () => item) }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: item not an object', call: placeOrder({ ...order, items: ['SKU-1'] }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: empty sku', call: placeOrder({ ...order, items: [{ ...item, sku: '' }] }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: quantity 0', call: placeOrder({ ...order, items: [{ ...item, quantity: 0 }] }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: negative quantity', call: placeOrder({ ...order, items: [{ ...item, quantity: -1 }] }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: fractional quantity', call: placeOrder({ ...order, items: [{ ...item, quantity: 1.5 }] }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: quantity as string', call: placeOrder({ ...order, items: [{ ...item, quantity: '2' }] }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: negative price', call: placeOrder({ ...order, items: [{ ...item, unitPriceCents: -1 }] }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: missing price', call: placeOrder({ ...order, items: [{ sku: 'a', quantity: 1 }] }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: unknown field', call: placeOrder({ ...order, coupon: 'FREE' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'place: unknown item field', call: placeOrder({ ...order, items: [{ ...item, colour: 'red' }] }), status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'place: total beyond exact integers',
    call: placeOrder({ ...order, items: [{ ...item, quantity: 2 ** 40, unitPriceCents: 2 ** 40 }] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  // POST /orders/{orderId}/cancel
  { name: 'cancel: text/plain body', call: cancel('{}', { 'content-type': 'text/plain' }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'cancel: malformed JSON', call: cancel('{reason}'), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'cancel: numeric reason', call: cancel({ reason: 7 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'cancel: reason of 501', call: cancel({ reason: 'r'.repeat(501) }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'cancel: expectedVersion 0', call: cancel({ expectedVersion: 0 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'cancel: expectedVersion as string', call: cancel({ expectedVersion: '1' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'cancel: unknown field', call: cancel({ why: 'x' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'cancel: body over the cap', call: cancel(JSON.stringify({ reason: 'r'.repeat(MAX_BODY_BYTES) })), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  {
    name: 'cancel: unknown order',
    call: { method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId: 'NOPE' } },
    status: 404,
    code: 'NOT_FOUND',
  },
  // POST /orders/{orderId}/payments
  { name: 'pay: no body', call: pay(undefined), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'pay: missing amount', call: pay({}), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'pay: zero amount', call: pay({ amountCents: 0 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'pay: negative amount', call: pay({ amountCents: -100 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'pay: fractional amount', call: pay({ amountCents: 10.5 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'pay: amount as string', call: pay({ amountCents: '100' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'pay: unknown field', call: pay({ amountCents: 100, currency: 'EUR' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'pay: text/plain', call: pay('{"amountCents": 1}', { 'Content-Type': 'text/plain' }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'pay: body over the cap', call: pay(' '.repeat(MAX_BODY_BYTES + 1)), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  {
    name: 'pay: unknown order',
    call: { method: 'POST', resource: '/orders/{orderId}/payments', pathParameters: { orderId: 'NOPE' }, body: { amountCents: 1 } },
    status: 404,
    code: 'NOT_FOUND',
  },
  // PUT /customers/{customerId}
  { name: 'customer: no body', call: putCustomer(undefined), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'customer: missing name', call: putCustomer({ email: 'a@example.com' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'customer: empty name', call: putCustomer({ name: '', email: 'a@example.com' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'customer: name of 201', call: putCustomer({ name: 'n'.repeat(201), email: 'a@example.com' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'customer: missing email', call: putCustomer({ name: 'Ann' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'customer: email without @', call: putCustomer({ name: 'Ann', email: 'ann.example.com' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'customer: email without domain dot', call: putCustomer({ name: 'Ann', email: 'ann@example' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'customer: email with a space', call: putCustomer({ name: 'Ann', email: 'a nn@example.com' }), status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'customer: email of 255',
    call: putCustomer({ name: 'Ann', email: `${'a'.repeat(243)}@example.com` }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'customer: numeric name', call: putCustomer({ name: 1, email: 'a@example.com' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'customer: unknown field', call: putCustomer({ name: 'Ann', email: 'a@example.com', age: 3 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'customer: text/plain', call: putCustomer('{}', { 'Content-Type': 'text/plain' }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'customer: body over the cap', call: putCustomer(JSON.stringify({ name: 'n'.repeat(MAX_BODY_BYTES) })), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'customer: id with #', call: putCustomer({ name: 'Ann', email: 'a@example.com' }, undefined, 'a#b'), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'customer: id of 129', call: putCustomer({ name: 'Ann', email: 'a@example.com' }, undefined, 'c'.repeat(129)), status: 400, code: 'VALIDATION_FAILED' },
  // DELETE and GETs of unknown resources
  { name: 'delete: unknown customer', call: { method: 'DELETE', resource: '/customers/{customerId}', pathParameters: { customerId: 'nobody' } }, status: 404, code: 'NOT_FOUND' },
  { name: 'get: unknown order', call: { method: 'GET', resource: '/orders/{orderId}', pathParameters: { orderId: 'NOPE' } }, status: 404, code: 'NOT_FOUND' },
  { name: 'get: unknown payment', call: { method: 'GET', resource: '/payments/{paymentId}', pathParameters: { paymentId: 'NOPE' } }, status: 404, code: 'NOT_FOUND' },
  { name: 'timeline: unknown order', call: { method: 'GET', resource: '/orders/{orderId}/timeline', pathParameters: { orderId: 'NOPE' } }, status: 404, code: 'NOT_FOUND' },
  { name: 'timeline: unknown payment', call: { method: 'GET', resource: '/payments/{paymentId}/timeline', pathParameters: { paymentId: 'NOPE' } }, status: 404, code: 'NOT_FOUND' },
  { name: 'timeline: unknown customer', call: { method: 'GET', resource: '/customers/{customerId}/timeline', pathParameters: { customerId: 'NOPE' } }, status: 404, code: 'NOT_FOUND' },
];

describe('API input validation: refused with the error shape, and nothing written', () => {
  it.each(cases)('$name → $status $code', async ({ call, status, code }) => {
    const { store, deps } = inMemoryApi();
    store.orders.set('EXISTING', placedOrder('EXISTING'));
    const handler = makeApiHandler(deps);

    const response = parseResponse(await handler(apiEvent(call)));

    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.json).toEqual({ error: { code, message: expect.any(String) } });
    expect(response.json.error.message.length).toBeGreaterThan(0);
    expect(store.writes).toEqual([]);
    expect(store.outbox).toEqual([]);
  });
});
