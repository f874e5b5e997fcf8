import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, type DynamoEventSourceProps, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction, NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type ItemAction, grantTableItemActions } from '../table-grants';
import { type DeadLetterQueueChoice, resolveDeadLetterQueue } from './queues';
import { type FunctionDefaults, createNodejsFunction } from './lambda-function';

/**
 * Stream event source settings a user may change. The filter, partial batch responses and the
 * on-failure destination are not among them: the publishing functions are written for them
 * (a function that returns `batchItemFailures` to a mapping that ignores them loses events).
 */
export type StreamEventSourceOverrides = Partial<Omit<DynamoEventSourceProps, 'filters' | 'onFailure' | 'reportBatchItemFailures'>>;

/** Defaults common to both stream publishers; each construct adds its own window and record age. */
const STREAM_EVENT_SOURCE_DEFAULTS = {
  startingPosition: lambda.StartingPosition.TRIM_HORIZON,
  batchSize: 100,
  bisectBatchOnError: true,
  retryAttempts: 10,
  // One concurrent batch per shard: together with the aggregate's partition key this keeps an
  // aggregate's events in commit order up to PutEvents.
  parallelizationFactor: 1,
} satisfies Partial<DynamoEventSourceProps>;

export interface StreamPublisherSettings extends DeadLetterQueueChoice {
  /** Construct class name, for error messages. */
  readonly owner: string;
  readonly table: dynamodb.ITable;
  readonly eventBus: events.IEventBus;
  readonly filters: ReadonlyArray<{ [key: string]: unknown }>;
  readonly functionDefaults: FunctionDefaults;
  readonly functionProps?: NodejsFunctionProps;
  readonly eventSourceDefaults: StreamEventSourceOverrides;
  readonly eventSourceProps?: StreamEventSourceOverrides;
  /** Item actions the function needs on the table, besides reading its stream. */
  readonly tableActions: readonly ItemAction[];
}

/**
 * The wiring shared by OutboxRelay and ChangeDataCapture: a function fed by the table's stream,
 * publishing to the bus, with an SQS on-failure destination. Children are created directly in the
 * construct (ids `Function`, `FunctionLogGroup`, `DeadLetterQueue`), so paths read `Relay/Function`.
 */
export abstract class StreamEventPublisher extends Construct {
  public readonly function: NodejsFunction;
  public readonly logGroup: logs.ILogGroup;
  public readonly deadLetterQueue: sqs.IQueue;
  public readonly eventSource: DynamoEventSource;

  protected constructor(scope: Construct, id: string, settings: StreamPublisherSettings) {
    super(scope, id);
    const wired = wireStreamPublisher(this, settings);
    this.function = wired.function;
    this.logGroup = wired.logGroup;
    this.deadLetterQueue = wired.deadLetterQueue;
    this.eventSource = wired.eventSource;
  }
}

function wireStreamPublisher(scope: Construct, settings: StreamPublisherSettings) {
  const { owner, table, eventBus } = settings;
  if (table.tableStreamArn === undefined) {
    throw new Error(
      `${owner}: table ${table.node.path} has no stream; create it with stream NEW_AND_OLD_IMAGES ` +
        '(OutboxTable does), or import it with tableStreamArn',
    );
  }
  const deadLetterQueue = resolveDeadLetterQueue(scope, 'DeadLetterQueue', owner, settings);
  const { function: fn, logGroup } = createNodejsFunction(scope, 'Function', settings.functionDefaults, settings.functionProps, {
    EVENT_BUS_NAME: eventBus.eventBusName,
    OUTBOX_TABLE_NAME: table.tableName,
  });
  const eventSource = new DynamoEventSource(table, {
    ...STREAM_EVENT_SOURCE_DEFAULTS,
    ...settings.eventSourceDefaults,
    ...settings.eventSourceProps,
    filters: [...settings.filters],
    reportBatchItemFailures: true,
    onFailure: new SqsDlq(deadLetterQueue),
  });
  fn.addEventSource(eventSource); // also grants the stream read
  eventBus.grantPutEventsTo(fn);
  grantTableItemActions(table, fn, settings.tableActions);
  return { function: fn, logGroup, deadLetterQueue, eventSource };
}
