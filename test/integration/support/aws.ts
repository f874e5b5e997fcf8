/**
 * Helpers for integration tests against the emulator that test/integration/global-setup.ts starts.
 *
 * Test files run in parallel against ONE emulator: name every table, queue, bus and rule with
 * `uniqueName`. Wait for asynchronous effects with `waitFor`/`receiveAll` (deadline polling), never
 * with fixed sleeps. Never long-poll SQS: the emulator serves one request at a time, so a
 * `WaitTimeSeconds > 0` stalls every other test for that long (`receiveAll` polls with 0).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';

import { LOCAL_AWS_REGION, localAwsEnvironment } from '../../../local/emulator';
import { queueArnOf } from '../../../tools/redrive/sqs-helpers';
import { handedOverAwsEndpoint } from '../../support/handoff';

export { waitFor, WaitForTimeoutError } from './wait';

/** The emulator's endpoint, e.g. `http://127.0.0.1:41234`. */
export function awsEndpoint(): string {
  return handedOverAwsEndpoint();
}

/** Client settings for the emulator: region us-east-1, credentials test/test. */
export function awsClientConfig() {
  return {
    endpoint: awsEndpoint(),
    region: LOCAL_AWS_REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
}

/**
 * Points code under test that builds its SDK clients from the environment (`AWS_ENDPOINT_URL`,
 * `AWS_REGION`, credentials) at the emulator, in this test file's worker only. Call it before the
 * code under test creates its clients: at the top of a `beforeAll`, then `await import(...)` a
 * module that builds clients at import time.
 */
export function useLocalAwsEnvironment(): void {
  Object.assign(process.env, localAwsEnvironment(awsEndpoint()));
}

// One client of each kind per test file (module scope of the worker), built on first use.
let dynamo: DynamoDBClient | undefined;
let documents: DynamoDBDocumentClient | undefined;
let eventBridge: EventBridgeClient | undefined;
let sqs: SQSClient | undefined;
let streams: DynamoDBStreamsClient | undefined;

export const dynamoClient = (): DynamoDBClient => (dynamo ??= new DynamoDBClient(awsClientConfig()));
export const documentClient = (): DynamoDBDocumentClient =>
  (documents ??= DynamoDBDocumentClient.from(dynamoClient(), { marshallOptions: { removeUndefinedValues: true } }));
export const eventBridgeClient = (): EventBridgeClient => (eventBridge ??= new EventBridgeClient(awsClientConfig()));
export const sqsClient = (): SQSClient => (sqs ??= new SQSClient(awsClientConfig()));
export const streamsClient = (): DynamoDBStreamsClient => (streams ??= new DynamoDBStreamsClient(awsClientConfig()));

let nameCounter = 0;

/**
 * `<prefix>-<random>-<n>`: unique across the parallel test files sharing the emulator, and valid as
 * a table, queue, bus or rule name (at most 64 characters, letters, digits, `-` and `_`).
 */
export function uniqueName(prefix: string): string {
  const safePrefix = prefix.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  return `${safePrefix}-${randomBytes(5).toString('hex')}-${++nameCounter}`;
}

/**
 * The single table of docs/internals.md: pk/sk strings, pay per request, stream NEW_AND_OLD_IMAGES,
 * TTL on `expiresAt` (moto ignores it) and the sparse `FailedOutbox` index (failedStatus, failedAt).
 */
export async function createOutboxTable(tableName: string): Promise<{ tableName: string; streamArn: string }> {
  const created = await dynamoClient().send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'failedStatus', AttributeType: 'S' },
        { AttributeName: 'failedAt', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'FailedOutbox',
          KeySchema: [
            { AttributeName: 'failedStatus', KeyType: 'HASH' },
            { AttributeName: 'failedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  await dynamoClient().send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
    }),
  );
  const streamArn = created.TableDescription?.LatestStreamArn;
  if (streamArn === undefined) throw new Error(`table ${tableName} was created without a stream`);
  return { tableName, streamArn };
}

/**
 * A new SQS queue that receives every event of `busName` matching `pattern` (the bus is created if
 * it does not exist). Returns the queue URL; read it with `receiveAll`.
 */
export async function createQueueReceivingFromBus(options: {
  busName: string;
  pattern: Record<string, unknown> | string;
}): Promise<string> {
  const { busName, pattern } = options;
  const events = eventBridgeClient();
  const busExists = await events.send(new DescribeEventBusCommand({ Name: busName })).then(
    () => true,
    (error: unknown) => {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return false;
      throw error;
    },
  );
  if (!busExists) await events.send(new CreateEventBusCommand({ Name: busName }));

  const queueName = uniqueName('bus-events');
  const ruleName = uniqueName('to-queue');
  const { QueueUrl: queueUrl } = await sqsClient().send(new CreateQueueCommand({ QueueName: queueName }));
  if (queueUrl === undefined) throw new Error(`CreateQueue ${queueName} returned no QueueUrl`);
  const queueArn = await queueArnOf(sqsClient(), queueUrl);

  const { RuleArn: ruleArn } = await events.send(
    new PutRuleCommand({
      Name: ruleName,
      EventBusName: busName,
      EventPattern: typeof pattern === 'string' ? pattern : JSON.stringify(pattern),
    }),
  );
  // moto delivers without it; AWS would not, and the helper should read like the real wiring.
  await sqsClient().send(
    new SetQueueAttributesCommand({
      QueueUrl: queueUrl,
      Attributes: {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: queueArn,
              Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
            },
          ],
        }),
      },
    }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: ruleName, EventBusName: busName, Targets: [{ Id: 'queue', Arn: queueArn }] }),
  );
  return queueUrl;
}

/**
 * Receives (and deletes) messages until `expected` have arrived or `timeoutMs` has passed, and
 * returns what arrived: assert on its length. To check that nothing more arrives, ask for one more
 * than you expect with a short timeout.
 */
export async function receiveAll(
  queueUrl: string,
  options: { expected: number; timeoutMs?: number; intervalMs?: number },
): Promise<Message[]> {
  const { expected, timeoutMs = 10_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  const received: Message[] = [];
  while (received.length < expected) {
    const { Messages = [] } = await sqsClient().send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0, // never long-poll the single-threaded emulator
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length > 0) {
      received.push(...Messages);
      await sqsClient().send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
      continue;
    }
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  return received;
}

/** The item with this key, read consistently; undefined when there is none. */
export async function getItem(tableName: string, key: Record<string, string>): Promise<Record<string, any> | undefined> {
  const { Item } = await documentClient().send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  return Item;
}

/** Every item of the table, read consistently (one page: the tests' tables are small). */
export async function scanItems(tableName: string): Promise<Array<Record<string, any>>> {
  const { Items = [] } = await documentClient().send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return Items;
}

/** The ARN of the table's (latest) stream. */
export async function streamArnOf(tableName: string): Promise<string> {
  const { Table } = await dynamoClient().send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (streamArn === undefined) throw new Error(`table ${tableName} has no stream`);
  return streamArn;
}

/** Every record of the table's stream so far, shard by shard from TRIM_HORIZON, in sequence order per shard. */
export async function readStreamRecords(tableName: string): Promise<_Record[]> {
  const streamArn = await streamArnOf(tableName);
  const { StreamDescription } = await streamsClient().send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const records: _Record[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator: iterator } = await streamsClient().send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator !== undefined) {
      const page = await streamsClient().send(new GetRecordsCommand({ ShardIterator: iterator }));
      if (page.Records === undefined || page.Records.length === 0) break;
      records.push(...page.Records);
      iterator = page.NextShardIterator;
    }
  }
  return records;
}
