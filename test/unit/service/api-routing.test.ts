import { describe, expect, it } from '@jest/globals';
import { makeApiHandler } from '../../../lambdas/service/api/app';
import { apiEvent, parseResponse } from './support/api-events';
import { inMemoryApi } from './support/in-memory-repositories';

describe('API routing', () => {
  it.each([
    { method: 'GET', resource: '/nothing-here' },
    { method: 'DELETE', resource: '/orders' },
    { method: 'PATCH', resource: '/orders/{orderId}', pathParameters: { orderId: 'a' } },
    { method: 'GET', resource: '/orders/{orderId}/refunds', pathParameters: { orderId: 'a' } },
  ])('answers $method $resource with 404 ROUTE_NOT_FOUND in the error shape', async (call) => {
    const handler = makeApiHandler(inMemoryApi().deps);

    const response = parseResponse(await handler(apiEvent(call)));

    expect(response.statusCode).toBe(404);
    expect(response.json).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: expect.stringContaining(call.method) } });
  });

  it('routes on the path when the resource is a proxy resource', async () => {
    const { deps } = inMemoryApi();
    const handler = makeApiHandler(deps);
    const placed = parseResponse(
      await handler(apiEvent({ method: 'POST', resource: '/orders', body: { customerId: 'c', items: [{ sku: 's', quantity: 1, unitPriceCents: 5 }] } })),
    );
    const event = { ...apiEvent({ method: 'GET', resource: '/{proxy+}' }), path: `/orders/${placed.json.orderId}`, pathParameters: { proxy: `orders/${placed.json.orderId}` } };

    const response = parseResponse(await handler(event));

    expect(response.statusCode).toBe(200);
    expect(response.json.orderId).toBe(placed.json.orderId);
  });

  it('echoes a sane x-correlation-id, whatever the header case, and writes it into the event', async () => {
    const { store, deps } = inMemoryApi();
    const handler = makeApiHandler(deps);

    const response = parseResponse(
      await handler(
        apiEvent({
          method: 'POST',
          resource: '/orders',
          headers: { 'Content-Type': 'application/json', 'X-Correlation-ID': 'caller-trace-42' },
          body: JSON.stringify({ customerId: 'c', items: [{ sku: 's', quantity: 1, unitPriceCents: 5 }] }),
        }),
      ),
    );

    expect(response.statusCode).toBe(201);
    expect(response.headers['x-correlation-id']).toBe('caller-trace-42');
    expect(store.outbox[0]?.correlationId).toBe('caller-trace-42');
    expect(store.outbox[0]?.causationId).toBe('caller-trace-42');
  });

  it.each(['has spaces in it', 'x'.repeat(129), '<script>', ''])('replaces an insane correlation id (%j) with the request id', async (header) => {
    const handler = makeApiHandler(inMemoryApi().deps);

    const response = await handler(
      apiEvent({ method: 'GET', resource: '/orders/{orderId}', pathParameters: { orderId: 'x' }, headers: { 'x-correlation-id': header }, requestId: 'apigw-request-7' }),
    );

    expect(response.headers?.['x-correlation-id']).toBe('apigw-request-7');
  });

  it('echoes the correlation id on unknown routes too', async () => {
    const handler = makeApiHandler(inMemoryApi().deps);
    const response = await handler(apiEvent({ method: 'GET', resource: '/nope', requestId: 'apigw-request-8' }));
    expect(response.headers?.['x-correlation-id']).toBe('apigw-request-8');
  });

  it('decodes a base64-encoded body', async () => {
    const handler = makeApiHandler(inMemoryApi().deps);
    const body = Buffer.from(JSON.stringify({ customerId: 'c', items: [{ sku: 's', quantity: 3, unitPriceCents: 7 }] })).toString('base64');

    const response = parseResponse(await handler(apiEvent({ method: 'POST', resource: '/orders', body, isBase64Encoded: true, headers: { 'content-type': 'application/json; charset=utf-8' } })));

    expect(response.statusCode).toBe(201);
    expect(response.json.totalCents).toBe(21);
  });

  it('answers an unexpected failure with 500 and a generic message', async () => {
    const { deps } = inMemoryApi();
    const handler = makeApiHandler({
      ...deps,
      orders: {
        findById: async () => Promise.reject(new Error('socket hang up: secret detail')),
        create: (order, event) => deps.orders.create(order, event),
        update: (order, expected, event) => deps.orders.update(order, expected, event),
      },
    });

    const response = parseResponse(await handler(apiEvent({ method: 'GET', resource: '/orders/{orderId}', pathParameters: { orderId: 'x' } })));

    expect(response.statusCode).toBe(500);
    expect(response.json.error.code).toBe('INTERNAL_ERROR');
    expect(response.json.error.message).not.toContain('secret');
  });
});
