/**
 * Fault-injection seams of the local runtime, for `npm run chaos` (chaos/), the inspector's browser
 * test and `npm run screenshot` (a consumer that refuses an event): off unless
 * `startLocalRuntime({ faults })` passes them. With no faults configured the runtime behaves exactly
 * as `npm start` does.
 *
 * The seams are the ones AWS itself puts between the pieces, never the service's code paths:
 * - `awsEndpoint`: the endpoint the Lambda workers' SDK clients use (`AWS_ENDPOINT_URL`), e.g. a
 *   fault-injecting proxy in front of the emulator (chaos/fault-proxy.ts). The runtime's own clients
 *   (provisioning, pollers) keep talking to the emulator directly.
 * - `eventSources`: asked by the emulated event source mappings before each delivery; the answer
 *   changes how the batch is delivered (duplicated, reordered, cut short by a crash, not
 *   acknowledged, refused), as Lambda's pollers and a failing consumer can make happen in AWS.
 */
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import { envelopeOfMessageBody } from './inspector/observed-invoker';

export interface DeliveryContext<TRecord> {
  /** The event source's name (mapping logical id and function). */
  source: string;
  functionName: string;
  records: readonly TRecord[];
}

/** How one stream batch is delivered. Undefined: normally. */
export interface StreamDeliveryPlan {
  /**
   * The function runs on only the first `crashAfterRecords` records of the batch, then its
   * execution environment "crashes": the invocation counts as failed and Lambda retries the batch
   * (a relay that published part of the batch and died).
   */
  crashAfterRecords?: number;
  /** The batch is delivered twice in a row (the second result counts), as a retried poll can. */
  duplicate?: boolean;
}

/** How one SQS batch is delivered. Undefined: normally. */
export interface SqsDeliveryPlan {
  /** The records in the order to deliver them (same records, another order). */
  records?: SQSRecord[];
  /** The batch is delivered twice in a row (the second result counts): at-least-once delivery. */
  duplicate?: boolean;
  /**
   * The function ran (its effects happened) but the execution environment died before the poller
   * deleted anything: every message comes back after the queue's visibility timeout.
   */
  crashBeforeAck?: boolean;
  /**
   * The messages (by `messageId`) the consumer refuses: the function never sees them, and they are
   * made visible again at once instead of after the queue's visibility timeout, so the queue's
   * `RedrivePolicy` parks them in its DLQ after `maxReceiveCount` receives within a second or so
   * (a consumer that keeps rejecting one event, without the minutes of waiting: the inspector's
   * browser tests, the chaos run's poison events).
   */
  refuseMessageIds?: readonly string[];
}

/** Asked before each delivery; the answer may come later (a plan kept in another process). */
export interface EventSourceFaults {
  planStreamDelivery?(context: DeliveryContext<DynamoDBRecord>): StreamDeliveryPlan | undefined | Promise<StreamDeliveryPlan | undefined>;
  planSqsDelivery?(context: DeliveryContext<SQSRecord>): SqsDeliveryPlan | undefined | Promise<SqsDeliveryPlan | undefined>;
  /**
   * The `VisibilityTimeout` the SQS pollers ask for on every receive, in place of the queue's: the
   * messages of a consumer that crashed before acknowledging come back in seconds instead of the
   * stack's minutes (a chaos run). The queue's own attribute is left as the template sets it.
   * An integer from 0 to 43200, as SQS takes. @default the queue's
   */
  sqsReceiveVisibilityTimeoutSeconds?: number;
}

/**
 * Test seam: other code for a function of the template, e.g. a relay or a consumer broken on
 * purpose, so that a test can check that a chaos run reports the breakage (a negative control).
 * Only the runtime's tests and chaos runs pass it; nothing deployed can.
 */
export interface FunctionCodeOverride {
  /** The function's logical id starts with this (`RelayFunction`, `TimelineConsumerFunction`). */
  logicalIdPrefix: string;
  /** A CommonJS module (e.g. an esbuild bundle of a test fixture). */
  modulePath: string;
  /** @default handler */
  exportName?: string;
}

export interface LocalFaults {
  /** `AWS_ENDPOINT_URL` of the Lambda workers. @default the emulator's endpoint */
  awsEndpoint?: string;
  eventSources?: EventSourceFaults;
  functionCode?: readonly FunctionCodeOverride[];
}

/**
 * Event source faults under which the consumers refuse every message whose event carries one of
 * `correlationIds` (a live set: add an id to start refusing its messages, delete it to stop), so
 * that the event is parked in its DLQ within seconds. The inspector's browser test and
 * `npm run screenshot` use it.
 */
export function refusingCorrelationIds(correlationIds: ReadonlySet<string>): EventSourceFaults {
  return {
    planSqsDelivery: ({ records }) => {
      const refused = records.filter((record) => correlationIds.has(envelopeOfMessageBody(record.body)?.correlationId ?? ''));
      return refused.length > 0 ? { refuseMessageIds: refused.map((record) => record.messageId) } : undefined;
    },
  };
}
