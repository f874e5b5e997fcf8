import { describe, expect, it } from '@jest/globals';

import { handedOverStackOutputs } from '../support/handoff';
import { apiClient } from './support/api';
import { eventually, given, when } from './support/steps';

const api = apiClient(handedOverStackOutputs());

interface PaymentView {
  paymentId: string;
  orderId: string;
  amountCents: number;
  status: string;
  source: 'table' | 'cache';
}

describe('payments, listen to yourself, end to end', () => {
  it('answers 202, reads back at once, and the consumer of its own event captures the payment', async () => {
    const placed = await when.aClientPlacesAnOrder(given.anOrderRequest());
    expect(placed.status).toBe(201);

    const requested = await api.request<{ paymentId: string; status: string }>(
      'POST',
      `/orders/${placed.body.orderId}/payments`,
      { amountCents: 1000 },
    );
    expect(requested.status).toBe(202);
    expect(requested.body.status).toBe('PENDING');

    // Read-your-writes: never a 404 right after the command, whichever item answers.
    const first = await api.request<PaymentView>('GET', `/payments/${requested.body.paymentId}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ paymentId: requested.body.paymentId, orderId: placed.body.orderId, amountCents: 1000 });
    expect(['cache', 'table']).toContain(first.body.source);

    const captured = await eventually(async () => {
      const response = await api.request<PaymentView>('GET', `/payments/${requested.body.paymentId}`);
      expect(response.body).toMatchObject({ status: 'CAPTURED', source: 'table' });
      return response.body;
    });
    expect(captured.amountCents).toBe(1000);

    await eventually(async () => {
      const timeline = await api.request<{ events: Array<{ version: number; type: string }> }>(
        'GET',
        `/payments/${requested.body.paymentId}/timeline`,
      );
      expect(timeline.body.events.map(({ version, type }) => ({ version, type }))).toEqual([
        { version: 1, type: 'PaymentRequested' },
        { version: 2, type: 'PaymentCaptured' },
      ]);
    });
  });

  it('refuses a payment for an unknown order (404) and for a cancelled one (409)', async () => {
    const unknown = await api.request('POST', '/orders/01UNKNOWNORDER00000000000000/payments', { amountCents: 100 });
    expect(unknown.status).toBe(404);

    const placed = await when.aClientPlacesAnOrder(given.anOrderRequest());
    expect((await when.aClientCancelsTheOrder(placed.body.orderId)).status).toBe(200);
    const refused = await api.request<{ error: { code: string } }>('POST', `/orders/${placed.body.orderId}/payments`, {
      amountCents: 100,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toEqual(expect.any(String));
  });

  it('404s a payment id that was never requested', async () => {
    const response = await api.request('GET', '/payments/01NEVERREQUESTED000000000000');
    expect(response.status).toBe(404);
  });
});
