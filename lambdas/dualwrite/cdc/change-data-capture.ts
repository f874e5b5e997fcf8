/**
 * Transaction log tailing: the service writes only its entity; this handler reads the table's
 * stream, asks a small user-supplied mapper which domain events each change means, and hands them to
 * the SAME relay algorithm as the outbox relay (batching, retries, checkpoints, terminal failures).
 *
 * Event ids are derived, not minted: a stream record redelivered after a crash or a checkpoint
 * yields the same ids, so consumers deduplicate it on `detail.id` exactly as they do outbox events.
 */
import { createHash } from 'node:crypto';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { getStringFromEnv } from '../config';
import { crockfordBase32, leadingBytesAsInteger } from '../crockford-base32';
import { newEnvelope, type EventEnvelope, type NewEventInput } from '../envelope';
import { EventBridgePublisher } from '../relay/eventbridge-publisher';
import { relayTuningFromEnv } from '../relay/relay-config';
import { documentClient as defaultDocumentClient, eventBridgeClient, logger as defaultLogger, metrics as defaultMetrics } from '../relay/lambda-runtime';
import { failureAttributes, MAX_FAILURE_MESSAGE_LENGTH } from '../relay/outbox-failure-marker';
import type { EventPublisher, RelayFailure, RelayItem, RelayLogger, TerminalFailureSink } from '../relay/relay-algorithm';
import { makeStreamRelayHandler, type StreamRelayDeps, type StreamRelayHandler } from '../relay/stream-relay-handler';
import { tableNameFromStreamArn, unmarshallImage } from '../relay/stream-records';

/** One item change, as the mapper sees it: images unmarshalled, times as dates. */
export interface ItemChange {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  tableName: string;
  keys: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
  newImage?: Record<string, unknown>;
  sequenceNumber: string;
  approximateCreationDateTime: Date;
}

/** An event without the two fields the handler derives from the stream record. */
export type EventDraft<TData extends object = Record<string, unknown>> = Omit<NewEventInput<TData>, 'id' | 'occurredAt'>;

/** Pure: which events does this change mean? `undefined` or `[]` for none. */
export type ChangeMapper = (change: ItemChange) => EventDraft<object> | Array<EventDraft<object>> | undefined;

/** Raised for a mapper that throws; the record's failure is kept, the shard goes on. */
export class MapperError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MapperError';
  }
}

/** Sort-key prefix of the failure items this handler writes; the CDC stream filter must not match it. */
export const CHANGE_FAILURE_SORT_KEY_PREFIX = 'FAILED#';

/** What the failure recorder needs to write a findable failure item. */
export interface ChangeFailureRef {
  tableName: string;
  keys: Record<string, unknown>;
  sequenceNumber: string;
  /** The derived id, when the record got as far as one. */
  eventId?: string;
}

const MAX_ULID_TIME = 2 ** 48 - 1;

function encodeTime(epochMs: number): string {
  if (!Number.isInteger(epochMs) || epochMs < 0 || epochMs > MAX_ULID_TIME) {
    throw new RangeError(`a ULID time must be an integer from 0 to ${MAX_ULID_TIME} ms, got ${epochMs}`);
  }
  return crockfordBase32(BigInt(epochMs), 10);
}

/** JSON with object keys sorted, so that the same key yields the same bytes whatever its attribute order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (value instanceof Set) return canonicalJson([...value].sort());
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface DerivedEventIdInput {
  tableName: string;
  keys: Record<string, unknown>;
  sequenceNumber: string;
  /** Position of the draft among those the mapper returned for this record. */
  index: number;
  approximateCreationDateTime: Date;
}

/**
 * A ULID-shaped id (26 Crockford base32 characters) that is a function of the stream record: the
 * time part is the record's approximate creation time (so ids still sort by time), the other 80
 * bits are the first 80 bits of SHA-256(table, key, sequence number, draft index).
 */
export function deriveEventId(input: DerivedEventIdInput): string {
  const digest = createHash('sha256')
    .update(canonicalJson([input.tableName, input.keys, input.sequenceNumber, input.index]))
    .digest();
  return encodeTime(input.approximateCreationDateTime.getTime()) + crockfordBase32(leadingBytesAsInteger(digest, 10), 16);
}

export interface ChangeRelayItemsOptions {
  mapper: ChangeMapper;
  /** Used when a record carries no `eventSourceARN` to name its table. */
  tableName: string;
  logger?: RelayLogger;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Stream records → relay items, in order: one item per draft, or one malformed item per failed record. */
export function changeRelayItems(
  records: readonly DynamoDBRecord[],
  options: ChangeRelayItemsOptions,
): Array<RelayItem<ChangeFailureRef>> {
  const items: Array<RelayItem<ChangeFailureRef>> = [];
  for (const record of records) {
    const stream = record.dynamodb;
    const sequenceNumber = stream?.SequenceNumber;
    const eventName = record.eventName;
    const keys = stream?.Keys === undefined ? undefined : unmarshallImage(stream.Keys);
    if (sequenceNumber === undefined || keys === undefined || eventName === undefined) {
      options.logger?.warn('skipping a stream record without a sequence number, keys or event name', { eventID: record.eventID });
      continue;
    }
    if (typeof keys.sk === 'string' && keys.sk.startsWith(CHANGE_FAILURE_SORT_KEY_PREFIX)) {
      // Our own failure items: a stream filter that lets them through must not turn them into events.
      options.logger?.warn('skipping a change-failure item on the stream; narrow the CDC filter', { sequenceNumber, keys });
      continue;
    }
    const tableName = tableNameFromStreamArn(record.eventSourceARN) ?? options.tableName;
    const ref: ChangeFailureRef = { tableName, keys, sequenceNumber };
    const creationSeconds = stream?.ApproximateCreationDateTime;
    if (typeof creationSeconds !== 'number' || !Number.isFinite(creationSeconds)) {
      items.push({ itemIdentifier: sequenceNumber, malformed: new Error('the stream record has no ApproximateCreationDateTime'), ref });
      continue;
    }
    const approximateCreationDateTime = new Date(Math.floor(creationSeconds * 1000));
    const change: ItemChange = {
      eventName,
      tableName,
      keys,
      oldImage: stream?.OldImage === undefined ? undefined : unmarshallImage(stream.OldImage),
      newImage: stream?.NewImage === undefined ? undefined : unmarshallImage(stream.NewImage),
      sequenceNumber,
      approximateCreationDateTime,
    };
    let drafts: Array<EventDraft<object>>;
    try {
      const mapped = options.mapper(change);
      drafts = mapped === undefined ? [] : Array.isArray(mapped) ? mapped : [mapped];
    } catch (error: unknown) {
      const cause = toError(error);
      items.push({ itemIdentifier: sequenceNumber, malformed: new MapperError(`the mapper threw: ${cause.message}`, { cause }), ref });
      continue;
    }
    drafts.forEach((draft, index) => {
      const id = deriveEventId({ tableName, keys, sequenceNumber, index, approximateCreationDateTime });
      const draftRef: ChangeFailureRef = { ...ref, eventId: id };
      let envelope: EventEnvelope<object>;
      try {
        envelope = newEnvelope({ ...draft, id, occurredAt: approximateCreationDateTime });
      } catch (error: unknown) {
        items.push({ itemIdentifier: sequenceNumber, malformed: toError(error), ref: draftRef });
        return;
      }
      items.push({ itemIdentifier: sequenceNumber, envelope, ref: draftRef });
    });
  }
  return items;
}

export interface ChangeFailureRecorderOptions {
  documentClient: Pick<DynamoDBDocumentClient, 'send'>;
  /** The table that keeps failure items (the single table; its `FailedOutbox` index lists them). */
  tableName: string;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default MAX_FAILURE_MESSAGE_LENGTH */
  maxMessageLength?: number;
}

/**
 * Terminal-failure sink of change data capture. There is no outbox item to mark, so it writes a
 * failure item beside the entity (`pk` of the record, `sk = FAILED#<eventId or sequenceNumber>`)
 * with the same failure attributes as a FAILED outbox item: the `FailedOutbox` index lists both,
 * and redrive republishes either from its `envelope`. A redelivered record overwrites its own item.
 */
export class ChangeFailureRecorder implements TerminalFailureSink<ChangeFailureRef> {
  private readonly now: () => Date;

  constructor(private readonly options: ChangeFailureRecorderOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async record(item: RelayItem<ChangeFailureRef>, failure: RelayFailure): Promise<void> {
    const { ref } = item;
    const pk = typeof ref.keys.pk === 'string' ? ref.keys.pk : `CHANGE#${ref.tableName}`;
    await this.options.documentClient.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          pk,
          sk: `${CHANGE_FAILURE_SORT_KEY_PREFIX}${ref.eventId ?? ref.sequenceNumber}`,
          entityType: 'ChangeFailure',
          ...failureAttributes(failure, this.now(), this.options.maxMessageLength ?? MAX_FAILURE_MESSAGE_LENGTH),
          ...(item.envelope === undefined ? {} : { envelope: item.envelope }),
          sourceTableName: ref.tableName,
          sourceKeys: ref.keys,
          sequenceNumber: ref.sequenceNumber,
        },
      }),
    );
  }
}

export interface ChangeDataCaptureOptions {
  mapper: ChangeMapper;
  /** @default the `EVENT_BUS_NAME` environment variable, read on the first invocation */
  eventBusName?: string;
  /** Table for failure items (and the table name of records without an ARN). @default `OUTBOX_TABLE_NAME` */
  tableName?: string;
  /** @default PutEvents through the module-scope EventBridge client */
  publisher?: EventPublisher;
  /** @default a ChangeFailureRecorder on `tableName` through the module-scope document client */
  failureSink?: TerminalFailureSink<ChangeFailureRef>;
  /** @default the module-scope Powertools Metrics */
  metrics?: StreamRelayDeps<ChangeFailureRef>['metrics'];
  /** @default the module-scope Powertools Logger */
  logger?: StreamRelayDeps<ChangeFailureRef>['logger'];
  /** @default the tuning of `relayTuningFromEnv()` (RELAY_BACKOFF_BASE_MS, RELAY_BACKOFF_CAP_MS, RELAY_SAFETY_MARGIN_MS, RELAY_MAX_CONCURRENT_CALLS, RELAY_PUT_EVENTS_MAX_BYTES) */
  relay?: StreamRelayDeps<ChangeFailureRef>['relay'];
}

type ChangeDataCaptureDeps = StreamRelayDeps<ChangeFailureRef> & { tableName: string };

/**
 * A DynamoDB stream handler for transaction log tailing. Build it at module scope of your function:
 * `export const handler = makeChangeDataCaptureHandler({ mapper })`. Missing configuration fails the
 * first invocation, naming the variable.
 */
export function makeChangeDataCaptureHandler(options: ChangeDataCaptureOptions): StreamRelayHandler {
  return makeStreamRelayHandler<ChangeFailureRef, ChangeDataCaptureDeps>(
    (records, deps) => changeRelayItems(records, { mapper: options.mapper, tableName: deps.tableName, logger: deps.logger }),
    () => {
      const eventBusName = options.eventBusName ?? getStringFromEnv('EVENT_BUS_NAME');
      const tableName = options.tableName ?? getStringFromEnv('OUTBOX_TABLE_NAME');
      return {
        tableName,
        eventBusName,
        publisher: options.publisher ?? new EventBridgePublisher(eventBridgeClient),
        failureSink: options.failureSink ?? new ChangeFailureRecorder({ documentClient: defaultDocumentClient, tableName }),
        metrics: options.metrics ?? defaultMetrics,
        logger: options.logger ?? defaultLogger,
        // The relay's tuning variables apply to CDC too: it publishes through the same algorithm.
        relay: { ...relayTuningFromEnv(), ...options.relay },
      };
    },
  );
}
