import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction, NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type AlarmChoice, RUNBOOK_SECTIONS, deadLetterQueueAlarm } from './internal/alarms';
import { type DeadLetterQueueChoice, QUEUE_SECURITY_DEFAULTS, resolveDeadLetterQueue } from './internal/queues';
import { createNodejsFunction } from './internal/lambda-function';
import { tableDefaults } from './internal/table-defaults';
import { IDEMPOTENCY_RECORD_ACTIONS, grantTableItemActions } from './table-grants';

/** Powertools' DynamoDBPersistenceLayer defaults: partition key `id`, expiry attribute `expiration`. */
export const IDEMPOTENCY_KEY_ATTRIBUTE = 'id';
export const IDEMPOTENCY_TTL_ATTRIBUTE = 'expiration';

const DEFAULT_FUNCTION_TIMEOUT = Duration.seconds(30);

/** Idempotency table settings a user may change; the key and TTL attribute are Powertools'. */
export type IdempotencyTableOverrides = Omit<dynamodb.TableProps, 'partitionKey' | 'sortKey' | 'timeToLiveAttribute'>;

export interface IdempotentEventConsumerProps extends DeadLetterQueueChoice, AlarmChoice {
  /** The bus the rule listens on. */
  readonly eventBus: events.IEventBus;
  /** Which events of the bus this consumer receives. */
  readonly eventPattern: events.EventPattern;
  /**
   * The handler file: a module exporting `handler = makeIdempotentEventConsumer(yourRecordHandler)`
   * (`lambdas/dualwrite/consumer/idempotent-event-consumer.ts`). Resolved against the working
   * directory, as `NodejsFunction` does; pass an absolute path to be independent of it.
   */
  readonly entry: string;
  /**
   * Merged over the function defaults; `environment` is merged too, and `IDEMPOTENCY_TABLE_NAME`
   * always names the idempotency table. Give the entry as `entry`, not as `functionProps.entry`.
   * The construct grants the queue and the idempotency table only: grant what your handler itself
   * uses on `function`. A role of your own gets only what the construct grants (not the log group).
   *
   * @default - handler `handler`, Node.js 22, ARM64, 256 MB, 30 s, a log group kept one month, a role
   * allowed to write to it, minified bundle with source maps, `@aws-sdk/*` external,
   * `POWERTOOLS_SERVICE_NAME` the construct id
   */
  readonly functionProps?: NodejsFunctionProps;
  /**
   * An existing Powertools idempotency table (partition key `id`, TTL `expiration`), e.g. one
   * shared by several consumers: records are keyed by function name and event id, so they never clash.
   *
   * @default - a table is created from `idempotencyTableProps`
   */
  readonly existingIdempotencyTableObj?: dynamodb.ITable;
  /**
   * Merged over the idempotency table defaults. Cannot be combined with `existingIdempotencyTableObj`.
   *
   * @default - pay per request, encrypted with the AWS-managed key (`aws/dynamodb`), point-in-time recovery on,
   * RemovalPolicy.DESTROY (its records expire within days; losing them on stack deletion is harmless)
   */
  readonly idempotencyTableProps?: IdempotencyTableOverrides;
  /**
   * Merged over the queue defaults. Set the dead-letter queue through `existingDeadLetterQueueObj` /
   * `deadLetterQueueProps` and `maxReceiveCount`, not `queueProps.deadLetterQueue`.
   *
   * @default - SQS-managed encryption, TLS enforced, 4 days retention, visibility timeout
   * 6 × the function timeout + the batching window (AWS's advice for Lambda-fed queues)
   */
  readonly queueProps?: sqs.QueueProps;
  /**
   * Receives before a message moves to the dead-letter queue. The dead-letter queue is also the
   * rule target's dead-letter queue, for events EventBridge could not deliver to the queue.
   *
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Messages per invocation.
   *
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long the event source gathers messages before invoking. Zero (Lambda's own default for SQS)
   * hands each event on as soon as it is received: consumers here are latency-bound, not
   * cost-bound; raise it to fill batches when volume makes invocations the cost that matters.
   *
   * @default Duration.seconds(0)
   */
  readonly maxBatchingWindow?: Duration;
}

/**
 * An idempotent event consumer (docs/design.md#consumers): EventBridge rule → SQS queue (+ DLQ) → function with
 * partial batch responses, deduplicating on the envelope id through a Powertools idempotency table.
 */
export class IdempotentEventConsumer extends Construct {
  public readonly rule: events.Rule;
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.IQueue;
  public readonly function: NodejsFunction;
  public readonly logGroup: logs.ILogGroup;
  public readonly idempotencyTable: dynamodb.ITable;
  public readonly eventSource: SqsEventSource;
  /** Messages in the dead-letter queue (≥ 1): events the handler failed `maxReceiveCount` times, or EventBridge could not deliver. */
  public readonly deadLetterQueueAlarm: cloudwatch.Alarm;
  /** Every alarm of this construct. */
  public readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: IdempotentEventConsumerProps) {
    super(scope, id);
    refuseContradictions(props);

    this.idempotencyTable = props.existingIdempotencyTableObj ?? this.createIdempotencyTable(props.idempotencyTableProps);
    this.deadLetterQueue = resolveDeadLetterQueue(this, 'DeadLetterQueue', 'IdempotentEventConsumer', props);

    const maxBatchingWindow = props.maxBatchingWindow ?? Duration.seconds(0);
    const functionTimeout = props.functionProps?.timeout ?? DEFAULT_FUNCTION_TIMEOUT;
    this.queue = new sqs.Queue(this, 'Queue', {
      ...QUEUE_SECURITY_DEFAULTS,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(6 * functionTimeout.toSeconds() + maxBatchingWindow.toSeconds()),
      ...props.queueProps,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });

    const created = createNodejsFunction(
      this,
      'Function',
      { entry: props.entry, memorySize: 256, timeout: DEFAULT_FUNCTION_TIMEOUT, serviceName: id },
      props.functionProps,
      { IDEMPOTENCY_TABLE_NAME: this.idempotencyTable.tableName },
    );
    this.function = created.function;
    this.logGroup = created.logGroup;
    grantTableItemActions(this.idempotencyTable, this.function, IDEMPOTENCY_RECORD_ACTIONS);

    this.eventSource = new SqsEventSource(this.queue, {
      batchSize: props.batchSize ?? 10,
      maxBatchingWindow,
      reportBatchItemFailures: true,
    });
    this.function.addEventSource(this.eventSource); // also grants consuming the queue

    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.eventBus,
      eventPattern: props.eventPattern,
      targets: [new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue })],
    });

    this.deadLetterQueueAlarm = deadLetterQueueAlarm(
      this,
      this.deadLetterQueue,
      'events the consumer failed to process (or EventBridge failed to deliver) are in its dead-letter queue.',
      RUNBOOK_SECTIONS.consumerDeadLetterQueue,
      props.alarmTopic,
    );
    this.alarms = [this.deadLetterQueueAlarm];
  }

  private createIdempotencyTable(overrides: IdempotencyTableOverrides = {}): dynamodb.Table {
    return new dynamodb.Table(this, 'IdempotencyTable', {
      ...tableDefaults(overrides),
      removalPolicy: RemovalPolicy.DESTROY,
      ...overrides,
      partitionKey: { name: IDEMPOTENCY_KEY_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: IDEMPOTENCY_TTL_ATTRIBUTE,
    });
  }
}

function refuseContradictions(props: IdempotentEventConsumerProps): void {
  const refuse = (message: string): never => {
    throw new Error(`IdempotentEventConsumer: ${message}`);
  };
  if (props.existingIdempotencyTableObj && props.idempotencyTableProps) {
    refuse('provide existingIdempotencyTableObj or idempotencyTableProps, not both');
  }
  if (props.functionProps?.entry !== undefined) {
    refuse('provide entry or functionProps.entry, not both');
  }
  if (props.queueProps?.deadLetterQueue) {
    refuse('queueProps.deadLetterQueue is set; use existingDeadLetterQueueObj or deadLetterQueueProps, with maxReceiveCount');
  }
  const visibility = props.queueProps?.visibilityTimeout;
  const timeout = props.functionProps?.timeout ?? DEFAULT_FUNCTION_TIMEOUT;
  if (visibility !== undefined && visibility.toSeconds() < timeout.toSeconds()) {
    refuse(
      `queueProps.visibilityTimeout (${visibility.toSeconds()} s) is shorter than functionProps.timeout ` +
        `(${timeout.toSeconds()} s); messages would be redelivered while still being processed`,
    );
  }
}
