import { Duration } from 'aws-cdk-lib';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { RUNBOOK_SECTIONS } from './internal/alarms';
import { type StreamPublisherProps, StreamEventPublisher } from './internal/stream-publisher';

/**
 * `table` is the table whose item changes become events. The dead-letter queue
 * (`existingDeadLetterQueueObj` / `deadLetterQueueProps`) is the stream event source's on-failure
 * destination: it receives the metadata of batches given up on.
 */
export interface ChangeDataCaptureProps extends StreamPublisherProps {
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
   * Merged over the function defaults. `EVENT_BUS_NAME`, `OUTBOX_TABLE_NAME` and the `RELAY_*`
   * timing variables always come from the construct's props. Give the entry as `entry`, not as
   * `functionProps.entry`. A role of your own gets only what the construct grants (not the log group).
   *
   * @default - handler `handler`, Node.js 22, ARM64, 512 MB, 60 s, a log group kept one month, a role
   * allowed to write to it, minified bundle with source maps, `@aws-sdk/*` external,
   * `POWERTOOLS_SERVICE_NAME` the construct id
   */
  readonly functionProps?: NodejsFunctionProps;
  /**
   * How long the event source gathers records before invoking. Entity writes are not
   * latency-critical events; a second of batching fills `PutEvents` calls.
   *
   * @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Records older than this are given up on. A dropped CDC batch can only be redriven from the
   * stream itself (there is no outbox item), and stream records live 24 h: giving up early leaves
   * most of that day for a redrive.
   *
   * @default Duration.hours(1)
   */
  readonly maxRecordAge?: Duration;
}

/**
 * Transaction log tailing: DynamoDB stream (filtered to the items you name) → your mapper, wrapped
 * by makeChangeDataCaptureHandler → EventBridge, with an SQS on-failure destination and alarms
 * (dead-letter queue, iterator age, FAILED events). The service writes only its entity; this
 * construct turns the item images into domain events.
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
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(1),
      maxRecordAge: props.maxRecordAge ?? Duration.hours(1),
      // Terminal per-event failures are recorded as items of the table (there is no outbox item to mark).
      tableActions: ['PutItem'],
      deadLetterQueueMeaning: 'the CDC function gave up on stream batches; their item changes were not all published.',
      deadLetterQueueRunbookSection: RUNBOOK_SECTIONS.cdcDeadLetterQueue,
    });
  }
}
