import { describe, expect, it } from '@jest/globals';

import { handedOverStackOutputs } from '../support/handoff';
import { apiClient } from './support/api';

const api = apiClient(handedOverStackOutputs());

interface ErrorBody {
  error: { code: string; message: string };
}

describe('bad input through the API: a clear error in the shape of docs/design.md#http-api, and nothing written', () => {
  it.each([
    ['malformed JSON', '{"customerId": "c1", "items": ['],
    ['a missing field', { items: [{ sku: 'A', quantity: 1, unitPriceCents: 1 }] }],
    ['a wrong type', { customerId: 'c1', items: [{ sku: 'A', quantity: '2', unitPriceCents: 1 }] }],
    ['an empty item list', { customerId: 'c1', items: [] }],
    ['a negative price', { customerId: 'c1', items: [{ sku: 'A', quantity: 1, unitPriceCents: -1 }] }],
  ])('POST /orders with %s answers 400', async (_case, body) => {
    const response = await api.request<ErrorBody>('POST', '/orders', body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toEqual(expect.any(String));
    expect(response.body.error.message).toEqual(expect.any(String));
  });

  it('answers 404 for unknown order ids on every order route, and the order stays unknown', async () => {
    const id = '01UNKNOWNORDER00000000000000';
    expect((await api.request('GET', `/orders/${id}`)).status).toBe(404);
    expect((await api.request('GET', `/orders/${id}/timeline`)).status).toBe(404);
    expect((await api.request('POST', `/orders/${id}/cancel`, {})).status).toBe(404);
    expect((await api.request('GET', `/orders/${id}`)).status).toBe(404);
  });

  it('answers 409 to a cancel with a stale expectedVersion and leaves the order as it was', async () => {
    const placed = await api.request<{ orderId: string }>('POST', '/orders', {
      customerId: 'c1',
      items: [{ sku: 'A', quantity: 1, unitPriceCents: 1 }],
    });
    const stale = await api.request<ErrorBody>('POST', `/orders/${placed.body.orderId}/cancel`, { expectedVersion: 7 });
    expect(stale.status).toBe(409);
    const order = await api.request<{ status: string; version: number }>('GET', `/orders/${placed.body.orderId}`);
    expect(order.body).toMatchObject({ status: 'PLACED', version: 1 });
  });
});
