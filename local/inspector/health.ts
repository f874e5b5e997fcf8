/**
 * The inspector's health panel: the stack's queues and DLQs, its FAILED items and its stream
 * mappings, each judged by the CloudWatch alarm the template defines on it (threshold and
 * comparison read from the `AWS::CloudWatch::Alarm` resources, never restated here).
 *
 * `topologyOf` reads the template once; `readHealth` asks the emulator on demand (only while a
 * page asks), and tells the journal which events are FAILED and which sit in a DLQ.
 */
import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { FAILED_OUTBOX_INDEX_NAME, FAILED_STATUS } from '../../lambdas/dualwrite/outbox';
import { queueDepth } from '../../tools/redrive/sqs-helpers';
import { conditionHolds } from '../intrinsics';
import type { ProvisionedResources } from '../resources';
import { resourcesOfType, type CfnTemplate } from '../template';
import type { EventJournal } from './journal';
import { envelopeOfMessageBody, type IteratorAgeReading } from './observed-invoker';

export interface AlarmRule {
  alarm: string;
  threshold: number;
  comparison: string;
  evaluationPeriods: number;
}

export interface QueueTopology {
  name: string;
  url: string;
  arn: string;
  /** Set for a DLQ: the queue whose `RedrivePolicy` parks messages here. */
  deadLetterQueueOf?: string;
  /** Set for a stream mapping's on-failure destination: the function whose failures land here. */
  onFailureOf?: string;
  depthAlarm?: AlarmRule;
}

export interface StreamMappingTopology {
  mapping: string;
  functionName: string;
  iteratorAgeAlarm?: AlarmRule;
}

export interface Topology {
  queues: QueueTopology[];
  streamMappings: StreamMappingTopology[];
  /** Tables with the sparse FAILED index. */
  failedIndexTables: string[];
  /** The lowest threshold of the `EventsFailed` alarms (relay, CDC). */
  failedAlarm?: AlarmRule;
  /** Table name → partition key attribute. */
  partitionKeys: Map<string, string>;
}

export function topologyOf(template: CfnTemplate, provisioned: ProvisionedResources): Topology {
  const resolve = (value: unknown) => provisioned.resolve(value);
  const present = (type: string) => resourcesOfType(template, type).filter(([, resource]) => conditionHolds(resource.Condition, provisioned.scope));

  const alarms = present('AWS::CloudWatch::Alarm').map(([logicalId, resource]) => {
    const properties = resolve(resource.Properties ?? {}) as Record<string, unknown>;
    const dimensions = new Map(((properties.Dimensions as Array<{ Name: string; Value: unknown }> | undefined) ?? []).map((d) => [d.Name, String(d.Value)]));
    return {
      metric: `${String(properties.Namespace)}/${String(properties.MetricName)}`,
      dimensions,
      rule: {
        alarm: logicalId,
        threshold: Number(properties.Threshold),
        comparison: String(properties.ComparisonOperator),
        evaluationPeriods: Number(properties.EvaluationPeriods ?? 1),
      },
    };
  });
  const alarmOn = (metric: string, dimension: string, value: string) =>
    alarms.find((alarm) => alarm.metric === metric && alarm.dimensions.get(dimension) === value)?.rule;

  const queues: QueueTopology[] = present('AWS::SQS::Queue').map(([logicalId]) => {
    const name = String(resolve({ 'Fn::GetAtt': [logicalId, 'QueueName'] }));
    const queue: QueueTopology = {
      name,
      url: String(resolve({ Ref: logicalId })),
      arn: String(resolve({ 'Fn::GetAtt': [logicalId, 'Arn'] })),
    };
    const depthAlarm = alarmOn('AWS/SQS/ApproximateNumberOfMessagesVisible', 'QueueName', name);
    if (depthAlarm !== undefined) queue.depthAlarm = depthAlarm;
    return queue;
  });
  const byArn = (arn: unknown) => queues.find((queue) => queue.arn === String(arn));
  for (const [logicalId, resource] of present('AWS::SQS::Queue')) {
    const policy = resolve(resource.Properties?.RedrivePolicy) as { deadLetterTargetArn?: unknown } | string | undefined;
    const target = typeof policy === 'string' ? (JSON.parse(policy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn : policy?.deadLetterTargetArn;
    const dlq = target === undefined ? undefined : byArn(target);
    if (dlq !== undefined) dlq.deadLetterQueueOf = String(resolve({ 'Fn::GetAtt': [logicalId, 'QueueName'] }));
  }

  const streamMappings: StreamMappingTopology[] = [];
  for (const [logicalId, resource] of present('AWS::Lambda::EventSourceMapping')) {
    const properties = resolve(resource.Properties ?? {}) as Record<string, unknown>;
    if (!String(properties.EventSourceArn).includes('/stream/')) continue;
    const functionName = String(properties.FunctionName).split(':').at(-1)!;
    const mapping: StreamMappingTopology = { mapping: logicalId, functionName };
    const iteratorAgeAlarm = alarmOn('AWS/Lambda/IteratorAge', 'FunctionName', functionName);
    if (iteratorAgeAlarm !== undefined) mapping.iteratorAgeAlarm = iteratorAgeAlarm;
    streamMappings.push(mapping);
    const onFailure = (properties.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination;
    const destination = onFailure === undefined ? undefined : byArn(onFailure);
    if (destination !== undefined) destination.onFailureOf = functionName;
  }

  const failedIndexTables: string[] = [];
  const partitionKeys = new Map<string, string>();
  for (const [logicalId, resource] of present('AWS::DynamoDB::Table')) {
    const tableName = String(resolve({ Ref: logicalId }));
    const keySchema = (resource.Properties?.KeySchema as Array<{ AttributeName: string; KeyType: string }> | undefined) ?? [];
    const hashKey = keySchema.find((key) => key.KeyType === 'HASH')?.AttributeName;
    if (hashKey !== undefined) partitionKeys.set(tableName, hashKey);
    const indexes = (resource.Properties?.GlobalSecondaryIndexes as Array<{ IndexName: string }> | undefined) ?? [];
    if (indexes.some((index) => index.IndexName === FAILED_OUTBOX_INDEX_NAME)) failedIndexTables.push(tableName);
  }
  const failedAlarm = alarms
    .filter((alarm) => alarm.metric.endsWith('/EventsFailed'))
    .map((alarm) => alarm.rule)
    .sort((a, b) => a.threshold - b.threshold)[0];

  return { queues, streamMappings, failedIndexTables, partitionKeys, ...(failedAlarm !== undefined ? { failedAlarm } : {}) };
}

/** Whether a value breaches an alarm rule (one data point; the alarm itself also wants `evaluationPeriods` of them). */
export function breaches(value: number, rule: AlarmRule | undefined): boolean {
  if (rule === undefined) return false;
  switch (rule.comparison) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= rule.threshold;
    case 'GreaterThanThreshold':
      return value > rule.threshold;
    case 'LessThanThreshold':
      return value < rule.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= rule.threshold;
    default:
      return false;
  }
}

export interface QueueHealth extends QueueTopology {
  visible: number;
  inFlight: number;
  alarming: boolean;
}

export interface StreamMappingHealth extends StreamMappingTopology {
  /** The last batch's iterator age; undefined before the first batch (no data: not a breach). */
  iteratorAge?: IteratorAgeReading;
  alarming: boolean;
}

export interface HealthReport {
  at: number;
  queues: QueueHealth[];
  failed: { count: number; alarm?: AlarmRule; alarming: boolean };
  streamMappings: StreamMappingHealth[];
}

export interface HealthReadOptions {
  topology: Topology;
  sqs: SQSClient;
  dynamodb: DynamoDBClient;
  journal: EventJournal;
  iteratorAges: ReadonlyMap<string, IteratorAgeReading>;
}

/** How many DLQ messages the inspector peeks at to name the parked events (per DLQ and read). */
const DLQ_PEEK = 10;

export async function readHealth(options: HealthReadOptions): Promise<HealthReport> {
  const { topology, sqs, journal } = options;
  const queues: QueueHealth[] = [];
  for (const queue of topology.queues) {
    const { visible, inFlight } = await queueDepth(sqs, queue.url);
    queues.push({ ...queue, visible, inFlight, alarming: breaches(visible, queue.depthAlarm) });
    if (queue.deadLetterQueueOf !== undefined) {
      journal.setParked(queue.name, queue.deadLetterQueueOf, visible > 0 ? await peekParkedEvents(sqs, queue.url) : []);
    }
  }

  const failedAt = new Map<string, number>();
  for (const tableName of topology.failedIndexTables) {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await options.dynamodb.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: FAILED_OUTBOX_INDEX_NAME,
          KeyConditionExpression: 'failedStatus = :failed',
          ExpressionAttributeValues: { ':failed': { S: FAILED_STATUS } },
          ...(startKey !== undefined ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const raw of page.Items ?? []) {
        const item = unmarshall(raw) as { envelope?: { id?: unknown }; failedAt?: unknown; pk?: unknown; sk?: unknown };
        // A CDC failure item may have no envelope (the mapper threw): it counts, under its keys.
        const id = typeof item.envelope?.id === 'string' ? item.envelope.id : `${tableName} ${String(item.pk)} ${String(item.sk)}`;
        const at = Date.parse(String(item.failedAt));
        failedAt.set(id, Number.isFinite(at) ? at : Date.now());
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }
  journal.setFailed(failedAt);

  const streamMappings = topology.streamMappings.map((mapping) => {
    const iteratorAge = options.iteratorAges.get(mapping.functionName);
    return { ...mapping, ...(iteratorAge ? { iteratorAge } : {}), alarming: iteratorAge !== undefined && breaches(iteratorAge.ageMs, mapping.iteratorAgeAlarm) };
  });
  return {
    at: Date.now(),
    queues,
    failed: { count: failedAt.size, ...(topology.failedAlarm ? { alarm: topology.failedAlarm } : {}), alarming: breaches(failedAt.size, topology.failedAlarm) },
    streamMappings,
  };
}

/** The events in a DLQ, read without hiding them (visibility timeout 0; a DLQ has no redrive policy to count receives against). */
async function peekParkedEvents(sqs: SQSClient, queueUrl: string): Promise<Array<{ eventId: string; messageId: string; sentAt: number }>> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: DLQ_PEEK, VisibilityTimeout: 0, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['SentTimestamp'] }),
  );
  return (Messages ?? []).flatMap((message) => {
    const envelope = envelopeOfMessageBody(message.Body ?? '');
    const sentAt = Number(message.Attributes?.SentTimestamp);
    return envelope === undefined ? [] : [{ eventId: envelope.id, messageId: message.MessageId ?? '', sentAt: Number.isFinite(sentAt) ? sentAt : Date.now() }];
  });
}
