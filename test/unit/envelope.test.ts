import { describe, expect, it } from '@jest/globals';
import {
  EnvelopeTooLargeError,
  entrySize,
  envelopeEntrySize,
  InvalidEnvelopeError,
  MAX_PUT_EVENTS_BYTES,
  newEnvelope,
  parseEnvelope,
  toPutEventsEntry,
  type NewEventInput,
} from '../../lambdas/dualwrite/envelope';

const input: NewEventInput = {
  type: 'ThingHappened',
  source: 'test.things',
  aggregateType: 'Thing',
  aggregateId: 'thing-1',
  aggregateVersion: 1,
  correlationId: 'corr-1',
  data: { n: 1 },
};
const now = new Date('2026-11-27T10:00:00.000Z');

/** Input whose envelope is exactly `bytes` long as an entry. */
function inputOfSize(bytes: number): NewEventInput {
  const base = envelopeEntrySize(newEnvelope({ ...input, data: { pad: '' } }, now));
  return { ...input, data: { pad: 'x'.repeat(bytes - base) } };
}

describe('entrySize', () => {
  it('counts 14 bytes for Time plus the UTF-8 bytes of Source, DetailType and Detail', () => {
    expect(entrySize({ Source: 'a', DetailType: 'é', Detail: '€', Time: now })).toBe(14 + 1 + 2 + 3);
    expect(entrySize({ Source: 'a', DetailType: 'é', Detail: '€' })).toBe(6);
  });

  it('does not count the bus name', () => {
    const envelope = newEnvelope(input, now);
    expect(entrySize(toPutEventsEntry(envelope, 'a-very-long-bus-name'))).toBe(entrySize(toPutEventsEntry(envelope, 'b')));
  });

  it('counts multi-byte data by its UTF-8 length, not its string length', () => {
    const ascii = envelopeEntrySize(newEnvelope({ ...input, id: '01JD0000000000000000000000', data: { s: 'aaaa' } }, now));
    const emoji = envelopeEntrySize(newEnvelope({ ...input, id: '01JD0000000000000000000000', data: { s: '😀' } }, now));
    expect('😀'.length).toBe(2);
    expect(emoji - ascii).toBe(0); // four UTF-8 bytes, like four ASCII characters
  });
});

describe('newEnvelope', () => {
  it('fills the defaults: ULID id, occurredAt now, causation = correlation, schema version 1', () => {
    const envelope = newEnvelope(input, now);
    expect(envelope.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(envelope).toMatchObject({ occurredAt: '2026-11-27T10:00:00.000Z', causationId: 'corr-1', schemaVersion: 1 });
  });

  it('mints ids that sort in creation order within one millisecond', () => {
    const ids = Array.from({ length: 5 }, () => newEnvelope(input, now).id);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(5);
  });

  it('accepts an envelope of exactly the PutEvents limit', () => {
    expect(envelopeEntrySize(newEnvelope(inputOfSize(MAX_PUT_EVENTS_BYTES), now))).toBe(MAX_PUT_EVENTS_BYTES);
  });

  it('refuses an envelope one byte over the limit, saying how large it is and what the limit is', () => {
    const attempt = () => newEnvelope(inputOfSize(MAX_PUT_EVENTS_BYTES + 1), now);
    expect(attempt).toThrow(EnvelopeTooLargeError);
    expect(attempt).toThrow(`event is ${MAX_PUT_EVENTS_BYTES + 1} bytes as an EventBridge entry; the limit is ${MAX_PUT_EVENTS_BYTES} bytes`);
  });

  it.each([
    [{ type: '' }, 'envelope field "type" must be a non-empty string'],
    [{ aggregateId: undefined as unknown as string }, 'envelope field "aggregateId" must be a non-empty string'],
    [{ aggregateVersion: 0 }, 'envelope field "aggregateVersion" must be an integer ≥ 1'],
    [{ aggregateVersion: 1.5 }, 'envelope field "aggregateVersion" must be an integer ≥ 1'],
    [{ schemaVersion: 0 }, 'envelope field "schemaVersion" must be an integer ≥ 1'],
    [{ data: [] as unknown as Record<string, unknown> }, 'envelope field "data" must be an object'],
  ])('refuses a malformed envelope (%o) with a message naming the field', (override, message) => {
    expect(() => newEnvelope({ ...input, ...override }, now)).toThrow(new InvalidEnvelopeError(message));
  });
});

describe('parseEnvelope', () => {
  it('returns a valid envelope as is', () => {
    const envelope = newEnvelope(input, now);
    expect(parseEnvelope(JSON.parse(JSON.stringify(envelope)))).toEqual(envelope);
  });

  it('refuses a non-object and a bad timestamp', () => {
    expect(() => parseEnvelope('nope')).toThrow('envelope must be an object');
    expect(() => parseEnvelope({ ...newEnvelope(input, now), occurredAt: 'yesterday' })).toThrow(
      'envelope field "occurredAt" must be an ISO-8601 timestamp',
    );
  });
});
