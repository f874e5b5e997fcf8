import { Duration, Size, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, type DynamoEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction, NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_BACKOFF } from '../../../lambdas/dualwrite/relay/backoff';
import { MAX_PUT_EVENTS_BYTES, MAX_RAISED_PUT_EVENTS_BYTES } from '../../../lambdas/dualwrite/envelope';
import { DEFAULT_MAX_CONCURRENT_CALLS, DEFAULT_SAFETY_MARGIN_MS, type RelayMetricName } from '../../../lambdas/dualwrite/relay/relay-algorithm';
import {
  MAX_CONCURRENT_CALLS_LIMIT,
  RELAY_BACKOFF_BASE_MS,
  RELAY_BACKOFF_CAP_MS,
  RELAY_MAX_CONCURRENT_CALLS,
  RELAY_PUT_EVENTS_MAX_BYTES,
  RELAY_SAFETY_MARGIN_MS,
} from '../../../lambdas/dualwrite/relay/relay-config';
import { type ItemAction, grantTableItemActions } from '../table-grants';
import { type AlarmChoice, type RunbookSection, RUNBOOK_SECTIONS, createAlarm, deadLetterQueueAlarm, iteratorAgeMetric } from './alarms';
import { type DeadLetterQueueChoice, resolveDeadLetterQueue } from './queues';
import { type FunctionDefaults, createNodejsFunction } from './lambda-function';

/** Event source settings that are props of their own (with their `@default`), not `eventSourceProps`. */
const EXPLICIT_EVENT_SOURCE_SETTINGS = ['batchSize', 'bisectBatchOnError', 'retryAttempts', 'maxRecordAge', 'maxBatchingWindow'] as const;

/**
 * The other stream event source settings a user may change. The filter, partial batch responses
 * and the on-failure destination are not among them: the publishing functions are written for them
 * (a function that returns `batchItemFailures` to a mapping that ignores them loses events).
 */
export type StreamEventSourceOverrides = Partial<
  Omit<DynamoEventSourceProps, 'filters' | 'onFailure' | 'reportBatchItemFailures' | (typeof EXPLICIT_EVENT_SOURCE_SETTINGS)[number]>
>;

/** Props shared by OutboxRelay and ChangeDataCapture (their wiring is one helper). */
export interface StreamPublisherProps extends DeadLetterQueueChoice, AlarmChoice {
  /** The table whose stream feeds the function. It must have a NEW_AND_OLD_IMAGES stream. */
  readonly table: dynamodb.ITable;
  /** The bus the function publishes to (`PutEvents`, granted on this bus only). */
  readonly eventBus: events.IEventBus;
  /**
   * Stream records per invocation. Up to 10 become one `PutEvents` call, so 100 records make at
   * most 10 calls, well inside the function timeout.
   *
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * Split a failing batch in two and retry each half, so one poisoned record ends up alone instead
   * of holding the whole shard.
   *
   * @default true
   */
  readonly bisectBatchOnError?: boolean;
  /**
   * Retries of a failing batch before it goes to the dead-letter queue (bisections count).
   *
   * @default 10
   */
  readonly retryAttempts?: number;
  /**
   * Delay ceiling of the first `PutEvents` retry of an entry; each retry doubles it, up to
   * `backoffCap`, and the delay is drawn uniformly below it (full jitter). `RELAY_BACKOFF_BASE_MS`.
   *
   * @default Duration.millis(50)
   */
  readonly backoffBase?: Duration;
  /**
   * Upper bound of any single retry delay. `RELAY_BACKOFF_CAP_MS`.
   *
   * @default Duration.seconds(5)
   */
  readonly backoffCap?: Duration;
  /**
   * Time kept back from the invocation's end: no retry starts that would end inside it, so the
   * function always returns its checkpoint (`batchItemFailures`) before Lambda times it out.
   * Must be shorter than the function timeout. `RELAY_SAFETY_MARGIN_MS`.
   *
   * @default Duration.seconds(5)
   */
  readonly safetyMargin?: Duration;
  /**
   * `PutEvents` calls the function keeps in flight at once. Calls in flight together never hold
   * events of the same aggregate, so each aggregate's events still go out in stream order; a batch
   * spread over many aggregates then costs about one round trip instead of one per 10 events.
   * 1 sends one call after another. At most 50. `RELAY_MAX_CONCURRENT_CALLS`.
   *
   * @default 10 - chosen with `npm run bench` (bench/results.md, `relayLatency`): with PutEvents
   * answering in a median 25 ms, 10 calls take a batch of 100 events over 100 aggregates in one round trip
   */
  readonly maxConcurrentCalls?: number;
  /**
   * The size limit of one `PutEvents` call (and so of one event), as EventBridge counts entry sizes.
   * An event larger than this is never sent: it is marked FAILED. The PutEvents API reference says
   * 256 KB, which holds everywhere. AWS announced in January 2026 that EventBridge takes events of
   * up to 1 MB (AWS Compute Blog, "More room to build: serverless services now support payloads up
   * to 1 MB"); raise this, up to `Size.mebibytes(1)`, once your region takes them, and give the
   * code that writes events the same limit (`writeWithOutbox`'s `maxEventBytes`), or it refuses
   * what the relay could publish. `RELAY_PUT_EVENTS_MAX_BYTES`.
   *
   * @default Size.kibibytes(256)
   */
  readonly putEventsSizeLimit?: Size;
  /**
   * `iteratorAgeAlarm` fires when the age of the newest record read (Lambda's `IteratorAge`,
   * maximum per minute) reaches this for 3 minutes in a row: the function is falling behind the stream.
   *
   * @default Duration.minutes(1)
   */
  readonly iteratorAgeAlarmThreshold?: Duration;
  /**
   * Merged over the remaining stream event source defaults. Batch size, bisect, retries, record age
   * and batching window are props of their own; filters, partial batch responses and the on-failure
   * destination are fixed.
   *
   * @default - TRIM_HORIZON, parallelization factor 1
   */
  readonly eventSourceProps?: StreamEventSourceOverrides;
}

/** Defaults common to both stream publishers; each construct adds its own window and record age. */
const STREAM_EVENT_SOURCE_DEFAULTS = {
  startingPosition: lambda.StartingPosition.TRIM_HORIZON,
  // One concurrent batch per shard: together with the aggregate's partition key this keeps an
  // aggregate's events in commit order up to PutEvents.
  parallelizationFactor: 1,
} satisfies Partial<DynamoEventSourceProps>;

const DEFAULT_BATCH_SIZE = 100;
const DEFAULT_RETRY_ATTEMPTS = 10;
// The function's own defaults (relayTuningFromEnv), so that the variables always restate them.
const DEFAULT_BACKOFF_BASE = Duration.millis(DEFAULT_BACKOFF.baseDelayMs);
const DEFAULT_BACKOFF_CAP = Duration.millis(DEFAULT_BACKOFF.maxDelayMs);
const DEFAULT_SAFETY_MARGIN = Duration.millis(DEFAULT_SAFETY_MARGIN_MS);
const DEFAULT_ITERATOR_AGE_ALARM_THRESHOLD = Duration.minutes(1);
const DEFAULT_PUT_EVENTS_SIZE_LIMIT = Size.bytes(MAX_PUT_EVENTS_BYTES);

export interface StreamPublisherSettings extends StreamPublisherProps {
  /** Construct class name, for error messages. */
  readonly owner: string;
  readonly filters: ReadonlyArray<{ [key: string]: unknown }>;
  readonly functionDefaults: FunctionDefaults;
  readonly functionProps?: NodejsFunctionProps;
  /** The construct's own `maxBatchingWindow` and `maxRecordAge`, defaults applied. */
  readonly maxBatchingWindow: Duration;
  readonly maxRecordAge: Duration;
  /** Item actions the function needs on the table, besides reading its stream. */
  readonly tableActions: readonly ItemAction[];
  /** What a message in the dead-letter queue means, for the alarm's description, and its runbook section. */
  readonly deadLetterQueueMeaning: string;
  readonly deadLetterQueueRunbookSection: RunbookSection;
}

/**
 * An on-failure destination allowed to send to its queue and nothing more. `SqsDlq` grants
 * `grantSendMessages` (also `GetQueueAttributes` and `GetQueueUrl`), which Lambda does not use.
 */
class SendOnlySqsDestination implements lambda.IEventSourceDlq {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_target: lambda.IEventSourceMapping, targetHandler: lambda.IFunction): lambda.DlqDestinationConfig {
    iam.Grant.addToPrincipal({ grantee: targetHandler, actions: ['sqs:SendMessage'], resourceArns: [this.queue.queueArn] });
    this.queue.encryptionMasterKey?.grant(targetHandler, 'kms:Encrypt', 'kms:GenerateDataKey*');
    return { destination: this.queue.queueArn };
  }
}

/**
 * The wiring shared by OutboxRelay and ChangeDataCapture: a function fed by the table's stream,
 * publishing to the bus, with an SQS on-failure destination and the alarms of docs/runbook.md.
 * Children are created directly in the construct (ids `Function`, `FunctionLogGroup`,
 * `FunctionRole`, `DeadLetterQueue`, `…Alarm`), so paths read `Relay/Function`.
 */
export abstract class StreamEventPublisher extends Construct {
  public readonly function: NodejsFunction;
  public readonly logGroup: logs.ILogGroup;
  public readonly deadLetterQueue: sqs.IQueue;
  public readonly eventSource: DynamoEventSource;
  /** Messages in the dead-letter queue (≥ 1): batches the function gave up on. */
  public readonly deadLetterQueueAlarm: cloudwatch.Alarm;
  /** The function falls behind the stream (`IteratorAge` maximum ≥ the threshold for 3 minutes). */
  public readonly iteratorAgeAlarm: cloudwatch.Alarm;
  /** Events that can never be published (`EventsFailed` sum ≥ 1 in 5 minutes): marked FAILED. */
  public readonly failedEventsAlarm: cloudwatch.Alarm;
  /** Every alarm of this construct. */
  public readonly alarms: readonly cloudwatch.Alarm[];
  private readonly metricsTarget: { readonly namespace: string; readonly service: string };

  protected constructor(scope: Construct, id: string, settings: StreamPublisherSettings) {
    super(scope, id);
    refuseContradictions(settings);
    const { owner, table, eventBus } = settings;
    if (table.tableStreamArn === undefined) {
      throw new Error(
        `${owner}: table ${table.node.path} has no stream; create it with stream NEW_AND_OLD_IMAGES ` +
          '(OutboxTable does), or import it with tableStreamArn',
      );
    }
    this.deadLetterQueue = resolveDeadLetterQueue(this, 'DeadLetterQueue', owner, settings);
    if (settings.existingDeadLetterQueueObj === undefined) {
      Validations.of(this.deadLetterQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is a dead-letter queue: the on-failure destination of the stream event source. ' +
          'SQS3 only recognises queues named in another queue\'s RedrivePolicy',
      });
    }

    const created = createNodejsFunction(this, 'Function', settings.functionDefaults, settings.functionProps, {
      EVENT_BUS_NAME: eventBus.eventBusName,
      OUTBOX_TABLE_NAME: table.tableName,
      [RELAY_BACKOFF_BASE_MS]: String((settings.backoffBase ?? DEFAULT_BACKOFF_BASE).toMilliseconds()),
      [RELAY_BACKOFF_CAP_MS]: String((settings.backoffCap ?? DEFAULT_BACKOFF_CAP).toMilliseconds()),
      [RELAY_SAFETY_MARGIN_MS]: String((settings.safetyMargin ?? DEFAULT_SAFETY_MARGIN).toMilliseconds()),
      [RELAY_MAX_CONCURRENT_CALLS]: String(settings.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS),
      [RELAY_PUT_EVENTS_MAX_BYTES]: String((settings.putEventsSizeLimit ?? DEFAULT_PUT_EVENTS_SIZE_LIMIT).toBytes()),
    });
    this.function = created.function;
    this.logGroup = created.logGroup;
    this.metricsTarget = created.metrics;

    this.eventSource = new DynamoEventSource(table, {
      ...STREAM_EVENT_SOURCE_DEFAULTS,
      ...settings.eventSourceProps,
      batchSize: settings.batchSize ?? DEFAULT_BATCH_SIZE,
      bisectBatchOnError: settings.bisectBatchOnError ?? true,
      retryAttempts: settings.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS,
      maxRecordAge: settings.maxRecordAge,
      maxBatchingWindow: settings.maxBatchingWindow,
      filters: [...settings.filters],
      reportBatchItemFailures: true,
      onFailure: new SendOnlySqsDestination(this.deadLetterQueue),
    });
    this.function.addEventSource(this.eventSource); // also grants the stream read
    eventBus.grantPutEventsTo(this.function);
    grantTableItemActions(table, this.function, settings.tableActions);
    const role = this.function.role;
    if (role !== undefined) {
      Validations.of(role.node.tryFindChild('DefaultPolicy') ?? role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only dynamodb:ListStreams is allowed on "*" (Lambda\'s stream event source needs it and it has no ' +
          'resource-level permission); the infra tests assert that every other statement names an ARN of the stack',
      });
    }

    this.deadLetterQueueAlarm = deadLetterQueueAlarm(
      this,
      this.deadLetterQueue,
      settings.deadLetterQueueMeaning,
      settings.deadLetterQueueRunbookSection,
      settings.alarmTopic,
    );
    this.iteratorAgeAlarm = createAlarm(
      this,
      'IteratorAgeAlarm',
      {
        metric: iteratorAgeMetric(this.function),
        threshold: (settings.iteratorAgeAlarmThreshold ?? DEFAULT_ITERATOR_AGE_ALARM_THRESHOLD).toMilliseconds(),
        evaluationPeriods: 3,
        description: `${this.node.path}: the function is falling behind the table stream (IteratorAge).`,
        runbookSection: RUNBOOK_SECTIONS.iteratorAge,
      },
      settings.alarmTopic,
    );
    this.failedEventsAlarm = createAlarm(
      this,
      'FailedEventsAlarm',
      {
        metric: this.metric('EventsFailed', { statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 1,
        description: `${this.node.path}: events PutEvents refused for good were marked FAILED (EventsFailed).`,
        runbookSection: RUNBOOK_SECTIONS.failedEvents,
      },
      settings.alarmTopic,
    );
    this.alarms = [this.deadLetterQueueAlarm, this.iteratorAgeAlarm, this.failedEventsAlarm];
  }

  /**
   * A metric the function emits through Powertools (EMF): namespace `dualwrite`, dimension
   * `service` = the function's `POWERTOOLS_SERVICE_NAME` (the construct id unless overridden).
   *
   * @default period 1 minute, statistic Average (pass `statistic` for Sum, p99, …)
   */
  public metric(metricName: RelayMetricName, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricsTarget.namespace,
      metricName,
      dimensionsMap: { service: this.metricsTarget.service },
      period: Duration.minutes(1),
      ...props,
    });
  }
}

function refuseContradictions(settings: StreamPublisherSettings): void {
  const { owner } = settings;
  const given = settings.eventSourceProps as Record<string, unknown> | undefined;
  for (const name of EXPLICIT_EVENT_SOURCE_SETTINGS) {
    if (given?.[name] !== undefined) {
      throw new Error(`${owner}: set ${name} as a prop of its own, not as eventSourceProps.${name}`);
    }
  }
  const base = settings.backoffBase ?? DEFAULT_BACKOFF_BASE;
  const cap = settings.backoffCap ?? DEFAULT_BACKOFF_CAP;
  if (base.toMilliseconds() <= 0) throw new Error(`${owner}: backoffBase must be longer than 0 ms`);
  if (base.toMilliseconds() > cap.toMilliseconds()) {
    throw new Error(`${owner}: backoffBase (${base.toMilliseconds()} ms) is longer than backoffCap (${cap.toMilliseconds()} ms)`);
  }
  const calls = settings.maxConcurrentCalls;
  if (calls !== undefined && (!Number.isInteger(calls) || calls < 1 || calls > MAX_CONCURRENT_CALLS_LIMIT)) {
    throw new Error(`${owner}: maxConcurrentCalls must be a whole number from 1 to ${MAX_CONCURRENT_CALLS_LIMIT}, got ${calls}`);
  }
  const sizeLimit = settings.putEventsSizeLimit?.toBytes();
  if (sizeLimit !== undefined && (sizeLimit < MAX_PUT_EVENTS_BYTES || sizeLimit > MAX_RAISED_PUT_EVENTS_BYTES)) {
    throw new Error(
      `${owner}: putEventsSizeLimit must be from 256 KiB (${MAX_PUT_EVENTS_BYTES} bytes, the PutEvents API reference) ` +
        `to 1 MiB (${MAX_RAISED_PUT_EVENTS_BYTES} bytes, EventBridge's raised limit), got ${sizeLimit} bytes`,
    );
  }
  const margin = settings.safetyMargin ?? DEFAULT_SAFETY_MARGIN;
  const timeout = settings.functionProps?.timeout ?? settings.functionDefaults.timeout;
  if (margin.toMilliseconds() >= timeout.toMilliseconds()) {
    throw new Error(
      `${owner}: safetyMargin (${margin.toMilliseconds()} ms) is not shorter than functionProps.timeout ` +
        `(${timeout.toMilliseconds()} ms); the function would never publish`,
    );
  }
}
