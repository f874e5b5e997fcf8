import { monotonicFactory } from 'ulid';

/**
 * The event envelope of docs/design.md#envelope. The outbox item holds it, the relay sends it as the EventBridge
 * `Detail`, consumers read it from `detail`. `id` is fixed at write time and is the dedup key
 * everywhere downstream (EventBridge and SQS ids change on every republish).
 */
export interface EventEnvelope<TData extends object = Record<string, unknown>> {
  id: string;
  type: string;
  source: string;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  occurredAt: string;
  correlationId: string;
  causationId: string;
  schemaVersion: number;
  data: TData;
}

export interface NewEventInput<TData extends object = Record<string, unknown>> {
  type: string;
  source: string;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  correlationId: string;
  /** Defaults to `correlationId` (the request that caused the event). */
  causationId?: string;
  schemaVersion?: number;
  data: TData;
  /** Fixed ids are for derived events (CDC); commands let the writer mint a ULID. */
  id?: string;
  occurredAt?: Date;
}

/**
 * EventBridge's limit for one PutEvents call, and therefore for one entry, as the PutEvents API
 * reference states it: 256 KB. The relay's default, and the writer's: it holds in every region.
 */
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;
/**
 * The most a deployer may raise that limit to: AWS announced in January 2026 that EventBridge
 * events may be up to 1 MB (AWS Compute Blog, "More room to build: serverless services now support
 * payloads up to 1 MB"), counted here as 1,024 × 1,024 bytes as 256 KB is counted as 256 × 1,024.
 */
export const MAX_RAISED_PUT_EVENTS_BYTES = 1024 * 1024;
/** EventBridge's limit on entries per PutEvents call. */
export const MAX_PUT_EVENTS_ENTRIES = 10;

export class InvalidEnvelopeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidEnvelopeError';
  }
}

export class EnvelopeTooLargeError extends Error {
  constructor(
    public readonly sizeBytes: number,
    public readonly limitBytes: number,
  ) {
    super(
      `event is ${sizeBytes} bytes as an EventBridge entry; the limit is ${limitBytes} bytes (EventBridge PutEvents size rule)`,
    );
    this.name = 'EnvelopeTooLargeError';
  }
}

const nextUlid = monotonicFactory();

export function newEventId(at: Date = new Date()): string {
  return nextUlid(at.getTime());
}

/** Builds a complete envelope and refuses one that could never be published. */
export function newEnvelope<TData extends object>(input: NewEventInput<TData>, now: Date = new Date()): EventEnvelope<TData> {
  const occurredAt = input.occurredAt ?? now;
  const envelope: EventEnvelope<TData> = {
    id: input.id ?? newEventId(occurredAt),
    type: input.type,
    source: input.source,
    aggregateType: input.aggregateType,
    aggregateId: input.aggregateId,
    aggregateVersion: input.aggregateVersion,
    occurredAt: occurredAt.toISOString(),
    correlationId: input.correlationId,
    causationId: input.causationId ?? input.correlationId,
    schemaVersion: input.schemaVersion ?? 1,
    data: input.data,
  };
  parseEnvelope(envelope);
  assertEnvelopeFits(envelope);
  return envelope;
}

/** The PutEvents entry the relay sends for an envelope. */
export interface PutEventsEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  Time: Date;
  EventBusName: string;
}

export function toPutEventsEntry(envelope: EventEnvelope<object>, eventBusName: string): PutEventsEntry {
  return {
    Source: envelope.source,
    DetailType: envelope.type,
    Detail: JSON.stringify(envelope),
    Time: new Date(envelope.occurredAt),
    EventBusName: eventBusName,
  };
}

/**
 * Size of an entry as EventBridge counts it: 14 bytes for Time, plus the UTF-8 bytes of Source,
 * DetailType and Detail (EventBusName does not count).
 */
export function entrySize(entry: Pick<PutEventsEntry, 'Source' | 'DetailType' | 'Detail'> & { Time?: Date }): number {
  return (
    (entry.Time ? 14 : 0) +
    Buffer.byteLength(entry.Source, 'utf8') +
    Buffer.byteLength(entry.DetailType, 'utf8') +
    Buffer.byteLength(entry.Detail, 'utf8')
  );
}

export function envelopeEntrySize(envelope: EventEnvelope<object>): number {
  return entrySize(toPutEventsEntry(envelope, ''));
}

export function assertEnvelopeFits(envelope: EventEnvelope<object>, limitBytes: number = MAX_PUT_EVENTS_BYTES): void {
  const size = envelopeEntrySize(envelope);
  if (size > limitBytes) throw new EnvelopeTooLargeError(size, limitBytes);
}

function requireString(record: Record<string, unknown>, field: string): void {
  const value = record[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidEnvelopeError(`envelope field "${field}" must be a non-empty string`);
  }
}

/** Narrows an unknown value (a stream image, a `detail`) to an envelope, or says which field is wrong. */
export function parseEnvelope(value: unknown): EventEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidEnvelopeError('envelope must be an object');
  }
  const record = value as Record<string, unknown>;
  for (const field of ['id', 'type', 'source', 'aggregateType', 'aggregateId', 'occurredAt', 'correlationId', 'causationId']) {
    requireString(record, field);
  }
  if (!Number.isInteger(record.aggregateVersion) || (record.aggregateVersion as number) < 1) {
    throw new InvalidEnvelopeError('envelope field "aggregateVersion" must be an integer ≥ 1');
  }
  if (!Number.isInteger(record.schemaVersion) || (record.schemaVersion as number) < 1) {
    throw new InvalidEnvelopeError('envelope field "schemaVersion" must be an integer ≥ 1');
  }
  if (Number.isNaN(Date.parse(record.occurredAt as string))) {
    throw new InvalidEnvelopeError('envelope field "occurredAt" must be an ISO-8601 timestamp');
  }
  if (typeof record.data !== 'object' || record.data === null || Array.isArray(record.data)) {
    throw new InvalidEnvelopeError('envelope field "data" must be an object');
  }
  return record as unknown as EventEnvelope;
}
