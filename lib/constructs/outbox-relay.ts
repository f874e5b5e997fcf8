import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { OUTBOX_SORT_KEY_PREFIX } from '../../lambdas/dualwrite/outbox';
import { RUNBOOK_SECTIONS } from './internal/alarms';
import { ownHandlerEntry } from './internal/own-handler-entry';
import { type StreamPublisherProps, StreamEventPublisher } from './internal/stream-publisher';

/** The generic relay handler shipped with dualwrite (used as is; it knows no domain). */
export const RELAY_HANDLER_ENTRY = ownHandlerEntry(path.join(__dirname, '..', '..', 'lambdas', 'dualwrite', 'relay', 'handler'));

/** Only new outbox items: an update (the FAILED mark) or a TTL delete must not republish. */
export const OUTBOX_INSERT_FILTER = FilterCriteria.filter({
  eventName: FilterRule.isEqual('INSERT'),
  dynamodb: { Keys: { sk: { S: FilterRule.beginsWith(OUTBOX_SORT_KEY_PREFIX) } } },
});

/**
 * `table` is the outbox table (an OutboxTable's `table`, or any table with that layout). The
 * dead-letter queue (`existingDeadLetterQueueObj` / `deadLetterQueueProps`) is the stream event
 * source's on-failure destination: it receives the metadata of batches given up on.
 */
export interface OutboxRelayProps extends StreamPublisherProps {
  /**
   * Merged over the relay function defaults (entry, memory, timeout, environment, bundling, role, …).
   * `EVENT_BUS_NAME`, `OUTBOX_TABLE_NAME` and the `RELAY_*` timing variables always come from the
   * construct's props. A role of your own gets only what the construct grants (not the log group).
   *
   * @default - entry `lambdas/dualwrite/relay/handler.ts`, handler `handler`, Node.js 22, ARM64,
   * 512 MB, 60 s, a log group kept one month, a role allowed to write to it, minified bundle with
   * source maps, `@aws-sdk/*` external, `POWERTOOLS_SERVICE_NAME` the construct id
   */
  readonly functionProps?: NodejsFunctionProps;
  /**
   * How long the event source gathers records before invoking. Zero publishes as soon as a commit
   * reaches the stream: the relay is on the latency path of every event.
   *
   * @default Duration.seconds(0)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Records older than this are given up on (their batch goes to the dead-letter queue). Long
   * enough to ride out a few hours of EventBridge trouble without a manual redrive; past it,
   * redrive re-reads the outbox items, which outlive the stream by their TTL.
   *
   * @default Duration.hours(6)
   */
  readonly maxRecordAge?: Duration;
}

/**
 * Transactional outbox relay: DynamoDB stream (new outbox items only) → relay function → EventBridge,
 * with an SQS on-failure destination and alarms (dead-letter queue, iterator age, FAILED events).
 * Besides reading the stream, the function may update and put items of the table (the FAILED mark
 * of docs/design.md#relay), put events on this bus and send to its dead-letter queue, nothing more.
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
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(0),
      maxRecordAge: props.maxRecordAge ?? Duration.hours(6),
      // The FAILED mark is an UpdateItem; when the outbox item is already gone the marker puts it
      // back from the stream image (a conditional PutItem) rather than lose the event.
      tableActions: ['UpdateItem', 'PutItem'],
      deadLetterQueueMeaning: 'the relay gave up on stream batches; their outbox items were not all published.',
      deadLetterQueueRunbookSection: RUNBOOK_SECTIONS.relayDeadLetterQueue,
    });
  }
}
