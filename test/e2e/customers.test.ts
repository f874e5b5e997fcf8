import { describe, expect, it } from '@jest/globals';

import { handedOverStackOutputs } from '../support/handoff';
import { apiClient } from './support/api';
import { eventually } from './support/steps';

const api = apiClient(handedOverStackOutputs());

interface Customer {
  customerId: string;
  name: string;
  email: string;
  version: number;
}

async function theTimelineEventuallyIs(customerId: string, expected: Array<{ version: number; type: string }>): Promise<void> {
  await eventually(async () => {
    const timeline = await api.request<{ events: Array<{ version: number; type: string }> }>(
      'GET',
      `/customers/${customerId}/timeline`,
    );
    expect(timeline.status).toBe(200);
    expect(timeline.body.events.map(({ version, type }) => ({ version, type }))).toEqual(expected);
  });
}

describe('customers, transaction log tailing, end to end', () => {
  it('publishes Registered, Updated and Deleted from plain writes, and nothing for a PUT that changes nothing', async () => {
    const customerId = `cust-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

    const registered = await api.request<Customer>('PUT', `/customers/${customerId}`, { name: 'Ada', email: 'ada@example.com' });
    expect(registered.status).toBe(200);
    expect(registered.body).toMatchObject({ customerId, name: 'Ada', email: 'ada@example.com', version: 1 });
    await theTimelineEventuallyIs(customerId, [{ version: 1, type: 'CustomerRegistered' }]);

    // The same values again: no write, so no stream record and no event (the version stays 1).
    const unchanged = await api.request<Customer>('PUT', `/customers/${customerId}`, { name: 'Ada', email: 'ada@example.com' });
    expect(unchanged.status).toBe(200);
    expect(unchanged.body.version).toBe(1);

    const updated = await api.request<Customer>('PUT', `/customers/${customerId}`, { name: 'Ada', email: 'ada@lovelace.example' });
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBe(2);

    const deleted = await api.request('DELETE', `/customers/${customerId}`);
    expect(deleted.status).toBe(204);

    // Had the unchanged PUT published anything, it would sit between Registered and the email change.
    await theTimelineEventuallyIs(customerId, [
      { version: 1, type: 'CustomerRegistered' },
      { version: 2, type: 'CustomerUpdated' },
      { version: 3, type: 'CustomerDeleted' },
    ]);
  });

  it('404s the deletion of an unknown customer and refuses a bad body with 400', async () => {
    expect((await api.request('DELETE', '/customers/nobody-here')).status).toBe(404);
    const bad = await api.request<{ error: { code: string; message: string } }>('PUT', '/customers/someone', {
      name: '',
      email: 'not-an-email',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toEqual(expect.any(String));
  });
});
