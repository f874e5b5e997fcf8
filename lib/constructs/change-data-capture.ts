import { Duration } from 'aws-cdk-lib';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import type { DeadLetterQueueChoice } from './internal/queues';
import { type StreamEventSourceOverrides, StreamEventPublisher } from './internal/stream-publisher';

/** The dead-letter queue (`existingDeadLetterQueueObj` / `deadLetterQueueProps`) is the stream
 * event source's on-failure destination: it receives the metadata of batches given up on. */
export interface ChangeDataCaptureProps extends DeadLetterQueueChoice {
  /** The table whose item changes become events. It must have a NEW_AND_OLD_IMAGES stream. */
  readonly table: dynamodb.ITable;
  /** The bus the function publishes to (`PutEvents`, granted on this bus only). */
  readonly eventBus: events.IEventBus;
  /**
   * The handler file: a module exporting `handler = makeChangeDataCaptureHandler({ mapper })`
   * (`lambdas/dualwrite/cdc/change-data-capture.ts`). Resolved against the working directory,
   * as `NodejsFunction` does; pass an absolute path to be independent of it.
   */
  readonly entry: string;
  /**
   * Event source filters selecting the items whose changes are domain events, e.g.
   * `FilterCriteria.filter({ dynamodb: { Keys: { pk: { S: FilterRule.beginsWith('CUSTOMER#') } } } })`.
   * At least one: an unfiltered reader would also see the outbox items and every other entity.
   */
  readonly filterPatterns: Array<{ [key: string]: unknown }>;
  /**
   * Merged over the function defaults. `EVENT_BUS_NAME` and `OUTBOX_TABLE_NAME` always name
   * `eventBus` and `table`. Give the entry as `entry`, not as `functionProps.entry`.
   *
   * @default - handler `handler`, Node.js 22, ARM64, 512 MB, 60 s, a log group kept one month,
   * minified bundle with source maps, `@aws-sdk/*` external, `POWERTOOLS_SERVICE_NAME` the construct id
   */
  readonly functionProps?: NodejsFunctionProps;
  /**
   * Merged over the stream event source defaults. Filters (`filterPatterns`), partial batch
   * responses and the on-failure destination are not overridable here.
   *
   * @default - TRIM_HORIZON, batch size 100, batching window 1 s, bisect on error, 10 retries,
   * maximum record age 1 h, parallelization factor 1
   */
  readonly eventSourceProps?: StreamEventSourceOverrides;
}

/**
 * Transaction log tailing: DynamoDB stream (filtered to the items you name) → your mapper, wrapped
 * by makeChangeDataCaptureHandler → EventBridge, with an SQS on-failure destination. The service
 * writes only its entity; this construct turns the item images into domain events.
 */
export class ChangeDataCapture extends StreamEventPublisher {
  constructor(scope: Construct, id: string, props: ChangeDataCaptureProps) {
    if (props.functionProps?.entry !== undefined) {
      throw new Error('ChangeDataCapture: provide entry or functionProps.entry, not both');
    }
    if (props.filterPatterns.length === 0) {
      throw new Error('ChangeDataCapture: filterPatterns is empty; name the items whose changes are events');
    }
    super(scope, id, {
      ...props,
      owner: 'ChangeDataCapture',
      filters: props.filterPatterns,
      functionDefaults: {
        entry: props.entry,
        memorySize: 512,
        timeout: Duration.seconds(60),
        serviceName: id,
      },
      eventSourceDefaults: {
        // Entity writes are not latency-critical events; a second of batching fills PutEvents calls.
        maxBatchingWindow: Duration.seconds(1),
        // A dropped CDC batch can only be redriven from the stream itself (there is no outbox item),
        // and stream records live 24 h: give up early enough to leave most of that day for a redrive.
        maxRecordAge: Duration.hours(1),
      },
      // Terminal per-event failures are recorded as items of the table (there is no outbox item to mark).
      tableActions: ['PutItem'],
    });
  }
}
