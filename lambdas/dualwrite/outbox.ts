import { parseEnvelope, type EventEnvelope } from './envelope';

/** Sort-key prefix of outbox items; the relay's stream filter matches on it. */
export const OUTBOX_SORT_KEY_PREFIX = 'OUTBOX#';
/** How long a published outbox item stays readable for redrive: well past the stream's 24 h. */
export const DEFAULT_OUTBOX_TTL_SECONDS = 7 * 24 * 60 * 60;
export const FAILED_STATUS = 'FAILED';
/** The table's sparse index of FAILED items: partition key `failedStatus`, sort key `failedAt`. */
export const FAILED_OUTBOX_INDEX_NAME = 'FailedOutbox';

/** `OUTBOX#0000000001`: zero-padded so that a range query returns events in version order. */
export function outboxSortKey(aggregateVersion: number): string {
  if (!Number.isInteger(aggregateVersion) || aggregateVersion < 1 || aggregateVersion > 9_999_999_999) {
    throw new RangeError(`aggregateVersion must be an integer from 1 to 9999999999, got ${aggregateVersion}`);
  }
  return `${OUTBOX_SORT_KEY_PREFIX}${String(aggregateVersion).padStart(10, '0')}`;
}

export interface OutboxItem {
  pk: string;
  sk: string;
  entityType: 'Outbox';
  envelope: EventEnvelope<object>;
  expiresAt: number;
}

export function toOutboxItem(
  partitionKey: string,
  envelope: EventEnvelope<object>,
  ttlSeconds: number = DEFAULT_OUTBOX_TTL_SECONDS,
  now: Date = new Date(),
): OutboxItem {
  return {
    pk: partitionKey,
    sk: outboxSortKey(envelope.aggregateVersion),
    entityType: 'Outbox',
    envelope,
    expiresAt: Math.floor(now.getTime() / 1000) + ttlSeconds,
  };
}

/** Reads the envelope out of an (unmarshalled) outbox item image; throws InvalidEnvelopeError if it is not one. */
export function envelopeFromOutboxImage(image: Record<string, unknown>): EventEnvelope {
  return parseEnvelope(image.envelope);
}
