import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { OUTBOX_SORT_KEY_PREFIX } from '../../lambdas/dualwrite/outbox';
import type { DeadLetterQueueChoice } from './internal/queues';
import { type StreamEventSourceOverrides, StreamEventPublisher } from './internal/stream-publisher';

/** The generic relay handler shipped with dualwrite (used as is; it knows no domain). */
export const RELAY_HANDLER_ENTRY = path.join(__dirname, '..', '..', 'lambdas', 'dualwrite', 'relay', 'handler.ts');

/** Only new outbox items: an update (the FAILED mark) or a TTL delete must not republish. */
export const OUTBOX_INSERT_FILTER = FilterCriteria.filter({
  eventName: FilterRule.isEqual('INSERT'),
  dynamodb: { Keys: { sk: { S: FilterRule.beginsWith(OUTBOX_SORT_KEY_PREFIX) } } },
});

/** The dead-letter queue (`existingDeadLetterQueueObj` / `deadLetterQueueProps`) is the stream
 * event source's on-failure destination: it receives the metadata of batches given up on. */
export interface OutboxRelayProps extends DeadLetterQueueChoice {
  /** The outbox table (an OutboxTable's `table`, or any table with that layout). It must have a stream. */
  readonly table: dynamodb.ITable;
  /** The bus the relay publishes to (`PutEvents`, granted on this bus only). */
  readonly eventBus: events.IEventBus;
  /**
   * Merged over the relay function defaults (entry, memory, timeout, environment, bundling, …).
   * `EVENT_BUS_NAME` and `OUTBOX_TABLE_NAME` always name `eventBus` and `table`.
   *
   * @default - entry `lambdas/dualwrite/relay/handler.ts`, handler `handler`, Node.js 22, ARM64,
   * 512 MB, 60 s, a log group kept one month, minified bundle with source maps, `@aws-sdk/*` external,
   * `POWERTOOLS_SERVICE_NAME` the construct id
   */
  readonly functionProps?: NodejsFunctionProps;
  /**
   * Merged over the stream event source defaults. The `INSERT` of `OUTBOX#` filter, partial batch
   * responses and the on-failure destination are fixed: the relay handler relies on them.
   *
   * @default - TRIM_HORIZON, batch size 100, batching window 0 s, bisect on error, 10 retries,
   * maximum record age 6 h, parallelization factor 1
   */
  readonly eventSourceProps?: StreamEventSourceOverrides;
}

/**
 * Transactional outbox relay: DynamoDB stream (new outbox items only) → relay function → EventBridge,
 * with an SQS on-failure destination. Besides reading the stream, the function may write items of
 * the table (the FAILED mark of DESIGN §4) and put events on this bus, nothing more.
 */
export class OutboxRelay extends StreamEventPublisher {
  constructor(scope: Construct, id: string, props: OutboxRelayProps) {
    super(scope, id, {
      ...props,
      owner: 'OutboxRelay',
      filters: [OUTBOX_INSERT_FILTER],
      functionDefaults: {
        entry: RELAY_HANDLER_ENTRY,
        memorySize: 512,
        timeout: Duration.seconds(60),
        serviceName: id,
      },
      eventSourceDefaults: {
        // Publish as soon as a commit reaches the stream: the relay is on the latency path.
        maxBatchingWindow: Duration.seconds(0),
        // Rides out a few hours of EventBridge trouble without a manual redrive. Past that the
        // batch goes to the DLQ; redrive re-reads the outbox items, which outlive the stream by TTL.
        maxRecordAge: Duration.hours(6),
      },
      // The FAILED mark is an UpdateItem; when the outbox item is already gone the marker puts it
      // back from the stream image (a conditional PutItem) rather than lose the event.
      tableActions: ['UpdateItem', 'PutItem'],
    });
  }
}
