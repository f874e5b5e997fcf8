import { describe, expect, it } from '@jest/globals';
import { InvalidEnvelopeError, newEnvelope } from '../../lambdas/dualwrite/envelope';
import { DEFAULT_OUTBOX_TTL_SECONDS, envelopeFromOutboxImage, outboxSortKey, toOutboxItem } from '../../lambdas/dualwrite/outbox';

describe('outboxSortKey', () => {
  it('zero-pads the version to 10 digits', () => {
    expect(outboxSortKey(1)).toBe('OUTBOX#0000000001');
    expect(outboxSortKey(9_999_999_999)).toBe('OUTBOX#9999999999');
  });

  it('sorts as strings in version order', () => {
    const versions = [10, 9, 100, 2, 1];
    expect(versions.map(outboxSortKey).sort()).toEqual([1, 2, 9, 10, 100].map(outboxSortKey));
  });

  it.each([0, -1, 1.5, 10_000_000_000, Number.NaN])('refuses version %s', (version) => {
    expect(() => outboxSortKey(version)).toThrow(RangeError);
    expect(() => outboxSortKey(version)).toThrow(`aggregateVersion must be an integer from 1 to 9999999999, got ${version}`);
  });
});

describe('toOutboxItem / envelopeFromOutboxImage', () => {
  const envelope = newEnvelope({
    type: 'ThingHappened',
    source: 'test.things',
    aggregateType: 'Thing',
    aggregateId: 'thing-1',
    aggregateVersion: 7,
    correlationId: 'corr-1',
    data: {},
  });

  it('puts the event beside its aggregate, keyed by version, with a TTL', () => {
    const now = new Date('2026-01-01T00:00:00.500Z');
    expect(toOutboxItem('THING#thing-1', envelope, undefined, now)).toEqual({
      pk: 'THING#thing-1',
      sk: 'OUTBOX#0000000007',
      entityType: 'Outbox',
      envelope,
      expiresAt: Math.floor(now.getTime() / 1000) + DEFAULT_OUTBOX_TTL_SECONDS,
    });
    expect(toOutboxItem('THING#thing-1', envelope, 60, now).expiresAt).toBe(1_767_225_600 + 60);
  });

  it('reads the envelope back from an item image, or says what is wrong', () => {
    expect(envelopeFromOutboxImage({ ...toOutboxItem('THING#thing-1', envelope) })).toEqual(envelope);
    expect(() => envelopeFromOutboxImage({ pk: 'THING#thing-1' })).toThrow(new InvalidEnvelopeError('envelope must be an object'));
  });
});
