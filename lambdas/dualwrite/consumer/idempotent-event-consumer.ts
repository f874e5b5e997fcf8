import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context, EventBridgeEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { getStringFromEnv } from '../config';
import { parseEnvelope, type EventEnvelope } from '../envelope';
import { traced } from '../tracing';
import { EarlyEventError } from './ordering-guard';

/**
 * How long a processed event id is remembered. It must outlast every window in which the same
 * envelope can arrive again: the stream keeps records 24 h (the relay may republish within it) and
 * EventBridge retries a target for up to 24 h; a redrive from the outbox can come later still.
 * Three days covers both windows with a margin (docs/design.md#consumers).
 */
export const DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS = 3 * 24 * 60 * 60;

/** The event a consumer's record handler receives: the EventBridge event, envelope in `detail`. */
export type EnvelopeEvent = EventBridgeEvent<string, EventEnvelope>;

export type EnvelopeRecordHandler<T> = (event: EnvelopeEvent, context: Context) => Promise<T>;

/** What the consumer returns to Lambda: `batchItemFailures` names the records SQS must redeliver. */
export type IdempotentEventConsumerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface IdempotentEventConsumerOptions {
  /**
   * Table of the Powertools DynamoDB persistence layer (`id` partition key, TTL `expiration`).
   * @default the `IDEMPOTENCY_TABLE_NAME` environment variable (read when the consumer is built)
   */
  idempotencyTableName?: string;
  /** @default DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS (3 days) */
  expiresAfterSeconds?: number;
  /** Replaces the DynamoDB persistence layer (tests, other stores). */
  persistenceStore?: BasePersistenceLayer;
  /**
   * Namespace of this consumer's idempotency keys. Two consumers that share an idempotency table
   * and receive the same event must use different prefixes, or the second would skip the event.
   * @default the Lambda function name (`AWS_LAMBDA_FUNCTION_NAME`, the Powertools default)
   */
  keyPrefix?: string;
  /**
   * Records are processed one after another by default, so that version n and n + 1 of one
   * aggregate in the same batch apply in batch order instead of racing into an early failure.
   * @default false
   */
  processInParallel?: boolean;
  /** @default a new Powertools Logger (service name from `POWERTOOLS_SERVICE_NAME`) */
  logger?: Logger;
  /** @default a new Powertools Tracer (off outside Lambda) */
  tracer?: Tracer;
}

/** An SQS message whose body is not an EventBridge event carrying a valid envelope in `detail`. */
export class InvalidEventMessageError extends Error {
  constructor(
    public readonly messageId: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`SQS message ${messageId} is not an EventBridge event with an event envelope in "detail": ${reason}`, options);
    this.name = 'InvalidEventMessageError';
  }
}

/** Log keys set for the time one record is handled, removed afterwards. */
const PER_RECORD_KEYS = ['correlationId', 'eventId'];

/** Best effort, for the log line of a message that is not a valid event: `detail.correlationId` if the body has one. */
function correlationIdOfBody(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { detail?: { correlationId?: unknown } } | null;
    const value = parsed?.detail?.correlationId;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the EventBridge event out of an SQS record, or says precisely why it cannot. */
export function parseEventBridgeMessage(record: Pick<SQSRecord, 'messageId' | 'body'>): EnvelopeEvent {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (error: unknown) {
    throw new InvalidEventMessageError(record.messageId, 'the body is not JSON', { cause: error });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidEventMessageError(record.messageId, 'the body is not a JSON object');
  }
  const event = body as Record<string, unknown>;
  if (typeof event['detail-type'] !== 'string' || typeof event.source !== 'string') {
    throw new InvalidEventMessageError(record.messageId, '"detail-type" and "source" must be strings');
  }
  try {
    parseEnvelope(event.detail);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidEventMessageError(record.messageId, reason, { cause: error });
  }
  return event as unknown as EnvelopeEvent;
}

/**
 * Builds an SQS handler for a queue fed by an EventBridge rule (docs/design.md#consumers). Each record is parsed
 * into the EventBridge event and given to `recordHandler` at most once per envelope id: the
 * idempotency key is `detail.id`, fixed when the event was written, never the EventBridge id or
 * the SQS message id (both change when an event is republished). A record that fails (bad body,
 * handler error, `EarlyEventError`) is named in `batchItemFailures`; the others are acknowledged.
 *
 * The handler's result is stored with the idempotency record and returned again for duplicates,
 * so it must be JSON-serialisable. A handler that throws leaves no idempotency record behind and
 * runs again on redelivery.
 */
export function makeIdempotentEventConsumer<T>(
  recordHandler: EnvelopeRecordHandler<T>,
  options: IdempotentEventConsumerOptions = {},
): IdempotentEventConsumerHandler {
  const logger = options.logger ?? new Logger();
  const tracer = options.tracer ?? new Tracer();
  const persistenceStore =
    options.persistenceStore ??
    new DynamoDBPersistenceLayer({ tableName: options.idempotencyTableName ?? getStringFromEnv('IDEMPOTENCY_TABLE_NAME') });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'detail.id',
    expiresAfterSeconds: options.expiresAfterSeconds ?? DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS,
    throwOnNoIdempotencyKey: true,
  });
  const handleOnce = makeIdempotent(recordHandler, {
    persistenceStore,
    config,
    ...(options.keyPrefix !== undefined ? { keyPrefix: options.keyPrefix } : {}),
  });
  const processor = new BatchProcessor(EventType.SQS);

  const processInParallel = options.processInParallel ?? false;

  const processRecord = async (record: SQSRecord, context: Context): Promise<T> => {
    let event: EnvelopeEvent;
    try {
      event = parseEventBridgeMessage(record);
    } catch (error: unknown) {
      logger.error('rejected an SQS message that carries no event envelope', {
        messageId: record.messageId,
        correlationId: correlationIdOfBody(record.body),
        error,
      });
      throw error;
    }
    const envelope = event.detail;
    const eventKeys = {
      messageId: record.messageId,
      eventId: envelope.id,
      eventType: envelope.type,
      aggregate: `${envelope.aggregateType}/${envelope.aggregateId}`,
      aggregateVersion: envelope.aggregateVersion,
      correlationId: envelope.correlationId,
    };
    // Every line logged while this record is handled, the record handler's own included when it
    // shares this logger, carries the record's correlation id. Records processed in parallel would
    // overwrite each other's keys on the shared logger, so then only this consumer's own lines
    // (which name it explicitly) carry it.
    if (!processInParallel) logger.appendKeys({ correlationId: envelope.correlationId, eventId: envelope.id });
    try {
      const result = await handleOnce(event, context);
      logger.debug('event processed (or already processed before)', eventKeys);
      return result;
    } catch (error: unknown) {
      if (error instanceof EarlyEventError) {
        logger.warn('event arrived early; it will be redelivered', { ...eventKeys, error: error.message });
      } else {
        logger.error('event processing failed; it will be redelivered', { ...eventKeys, error });
      }
      throw error;
    } finally {
      if (!processInParallel) logger.removeKeys(PER_RECORD_KEYS);
    }
  };

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    config.registerLambdaContext(context);
    return traced(tracer, process.env._HANDLER ?? 'idempotent-event-consumer', async () => {
      // A full-batch failure is reported as a partial response naming every record rather than
      // thrown: SQS redelivers exactly the same records either way, and the caller sees which.
      const response = await processPartialResponse(event, processRecord, processor, {
        context,
        processInParallel,
        throwOnFullBatchFailure: false,
      });
      if (response.batchItemFailures.length > 0) {
        logger.info('batch processed with failures', {
          records: event.Records.length,
          failed: response.batchItemFailures.map((failure) => failure.itemIdentifier),
        });
      }
      return response;
    });
  };
}
