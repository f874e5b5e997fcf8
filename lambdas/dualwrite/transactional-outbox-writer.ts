import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { assertEnvelopeFits, MAX_PUT_EVENTS_BYTES, MAX_RAISED_PUT_EVENTS_BYTES, type EventEnvelope } from './envelope';
import { DEFAULT_OUTBOX_TTL_SECONDS, toOutboxItem } from './outbox';

/** One write of the transaction, in the document client's shape (Put, Update, Delete or ConditionCheck). */
export type EntityWrite = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

export interface OutboxEvent {
  /** The partition key of the event's aggregate: its outbox item lives beside it (docs/design.md#keys-and-items). */
  partitionKey: string;
  envelope: EventEnvelope<object>;
}

export interface WriteWithOutboxInput {
  tableName: string;
  /** Entity writes, each with its own guard (for example `version = :expected`). */
  writes: EntityWrite[];
  /** Events to publish; each becomes an outbox item guarded by `attribute_not_exists(pk)`. */
  events: OutboxEvent[];
  outboxTtlSeconds?: number;
  now?: Date;
  /**
   * The largest event the relay will publish: its `putEventsSizeLimit`. A larger event is refused
   * here (`EnvelopeTooLargeError`, a 413 for an API) and nothing is written, rather than written and
   * then marked FAILED by the relay. An outbox item is also bound by DynamoDB's 400 KB item size.
   * @default MAX_PUT_EVENTS_BYTES (256 KB)
   */
  maxEventBytes?: number;
}

/**
 * The transaction lost a race or a guard did not hold: nothing was written. `reasons` has one
 * entry per item of the transaction, in order (writes first, then outbox items), as DynamoDB gave it.
 */
export class ConcurrencyConflictError extends Error {
  constructor(
    message: string,
    public readonly reasons: ReadonlyArray<{ code?: string; message?: string }>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConcurrencyConflictError';
  }
}

const CONFLICT_CODES = new Set(['ConditionalCheckFailed', 'TransactionConflict']);

/**
 * State and events in one TransactWriteItems: either all of it is written or none of it.
 * DynamoDB allows 100 items per transaction; the caller's writes plus one item per event must fit.
 */
export async function writeWithOutbox(client: DynamoDBDocumentClient, input: WriteWithOutboxInput): Promise<void> {
  if (input.events.length === 0) {
    throw new RangeError('writeWithOutbox needs at least one event; write plain items without it');
  }
  if (input.writes.length + input.events.length > 100) {
    throw new RangeError(`a transaction holds at most 100 items, got ${input.writes.length + input.events.length}`);
  }
  const maxEventBytes = input.maxEventBytes ?? MAX_PUT_EVENTS_BYTES;
  if (!Number.isInteger(maxEventBytes) || maxEventBytes < 1 || maxEventBytes > MAX_RAISED_PUT_EVENTS_BYTES) {
    throw new RangeError(`maxEventBytes must be a whole number from 1 to ${MAX_RAISED_PUT_EVENTS_BYTES}, got ${maxEventBytes}`);
  }
  for (const event of input.events) assertEnvelopeFits(event.envelope, maxEventBytes);
  const outboxPuts: EntityWrite[] = input.events.map((event) => ({
    Put: {
      TableName: input.tableName,
      Item: toOutboxItem(event.partitionKey, event.envelope, input.outboxTtlSeconds ?? DEFAULT_OUTBOX_TTL_SECONDS, input.now),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }));
  try {
    await client.send(new TransactWriteCommand({ TransactItems: [...input.writes, ...outboxPuts] }));
  } catch (error: unknown) {
    if (error instanceof TransactionCanceledException || (error as { name?: string })?.name === 'TransactionCanceledException') {
      const reasons = ((error as TransactionCanceledException).CancellationReasons ?? []).map((reason) => ({
        code: reason.Code,
        message: reason.Message,
      }));
      if (reasons.some((reason) => reason.code !== undefined && CONFLICT_CODES.has(reason.code))) {
        throw new ConcurrencyConflictError('the write lost a race or its guard did not hold; nothing was written', reasons, {
          cause: error,
        });
      }
    }
    throw error;
  }
}
