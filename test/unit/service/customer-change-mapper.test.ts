import { describe, expect, it } from '@jest/globals';
import { newEnvelope } from '../../../lambdas/dualwrite/envelope';
import {
  mapCustomerChange,
  UnmappableCustomerChangeError,
  type CustomerItemChange,
} from '../../../lambdas/service/customers/customer-change-mapper';

const keys = { pk: 'CUSTOMER#c-1', sk: 'STATE' };
const item = (overrides: Record<string, unknown> = {}) => ({
  ...keys,
  entityType: 'Customer',
  customerId: 'c-1',
  name: 'Ann',
  email: 'ann@example.com',
  version: 1,
  updatedAt: '2026-11-27T10:00:00.000Z',
  correlationId: 'req-1',
  ...overrides,
});
const change = (eventName: CustomerItemChange['eventName'], images: Partial<CustomerItemChange>): CustomerItemChange => ({
  eventName,
  tableName: 'table',
  keys,
  sequenceNumber: '100',
  approximateCreationDateTime: new Date('2026-11-27T10:00:00.000Z'),
  ...images,
});

describe('mapCustomerChange', () => {
  it('INSERT → CustomerRegistered with name and email at the new version', () => {
    expect(mapCustomerChange(change('INSERT', { newImage: item() }))).toEqual({
      type: 'CustomerRegistered',
      source: 'dualwrite.customers',
      aggregateType: 'Customer',
      aggregateId: 'c-1',
      aggregateVersion: 1,
      correlationId: 'req-1',
      data: { name: 'Ann', email: 'ann@example.com' },
    });
  });

  it('MODIFY → CustomerUpdated naming only the changed fields with old and new values', () => {
    const draft = mapCustomerChange(
      change('MODIFY', { oldImage: item(), newImage: item({ email: 'ann@lee.example', version: 2, correlationId: 'req-2', updatedAt: 'later' }) }),
    );
    expect(draft).toMatchObject({
      type: 'CustomerUpdated',
      aggregateId: 'c-1',
      aggregateVersion: 2,
      correlationId: 'req-2',
      data: { changes: { email: { old: 'ann@example.com', new: 'ann@lee.example' } } },
    });
    expect(Object.keys((draft?.data as { changes: object }).changes)).toEqual(['email']);
  });

  it('MODIFY of both fields names both', () => {
    const draft = mapCustomerChange(change('MODIFY', { oldImage: item(), newImage: item({ name: 'Bo', email: 'bo@example.com', version: 2 }) }));
    expect(draft?.data).toEqual({ changes: { name: { old: 'Ann', new: 'Bo' }, email: { old: 'ann@example.com', new: 'bo@example.com' } } });
  });

  it('MODIFY that changes neither name nor email → no event', () => {
    expect(mapCustomerChange(change('MODIFY', { oldImage: item(), newImage: item({ version: 2, updatedAt: 'later', correlationId: 'req-9' }) }))).toBeUndefined();
  });

  it('REMOVE → CustomerDeleted one version after the last, correlated with the last writer', () => {
    expect(mapCustomerChange(change('REMOVE', { oldImage: item({ version: 3, correlationId: 'req-3' }) }))).toEqual({
      type: 'CustomerDeleted',
      source: 'dualwrite.customers',
      aggregateType: 'Customer',
      aggregateId: 'c-1',
      aggregateVersion: 4,
      correlationId: 'req-3',
      data: {},
    });
  });

  it('REMOVE of an item without a correlation id falls back to the key', () => {
    const { correlationId: _dropped, ...withoutCorrelation } = item({ version: 2 });
    expect(mapCustomerChange(change('REMOVE', { oldImage: withoutCorrelation }))?.correlationId).toBe('CUSTOMER#c-1');
  });

  it('produces drafts that make valid envelopes', () => {
    const draft = mapCustomerChange(change('INSERT', { newImage: item() }));
    expect(draft).toBeDefined();
    expect(() => newEnvelope({ ...draft!, id: '01JD0000000000000000000000' })).not.toThrow();
  });

  it('ignores items other than the customer state (its timeline item shares the partition)', () => {
    expect(mapCustomerChange({ ...change('INSERT', { newImage: item() }), keys: { pk: 'CUSTOMER#c-1', sk: 'TIMELINE' } })).toBeUndefined();
  });

  it('refuses a MODIFY without its old image, naming the stream setting', () => {
    expect(() => mapCustomerChange(change('MODIFY', { newImage: item({ version: 2 }) }))).toThrow(UnmappableCustomerChangeError);
    expect(() => mapCustomerChange(change('MODIFY', { newImage: item({ version: 2 }) }))).toThrow(/NEW_AND_OLD_IMAGES/);
  });

  it('refuses an item without a version', () => {
    expect(() => mapCustomerChange(change('INSERT', { newImage: item({ version: undefined }) }))).toThrow(/version/);
  });
});
