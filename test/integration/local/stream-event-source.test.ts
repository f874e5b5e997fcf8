import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from '@jest/globals';

import { parseFilterCriteria } from '../../../local/filter-criteria';
import { silentLog } from '../../../local/log';
import { DynamoDbStreamEventSource, streamSettingsFromMapping, type StreamEventSourceSettings } from '../../../local/stream-event-source';
import { queueArnOf } from '../../../tools/redrive/sqs-helpers';
import {
  createOutboxTable,
  dynamoClient,
  readStreamRecords,
  receiveAll,
  sqsClient,
  streamsClient,
  uniqueName,
  waitFor,
} from '../support/aws';
import { fixtureFunction } from './support';

interface Invocation {
  keys: string[];
  records: DynamoDBRecord[];
  context: { functionName: string; awsRequestId: string; invokedFunctionArn: string; remainingTimeInMillis: number };
}

/** Lambda's defaults (a mapping with no settings), in batches of 10. */
const defaults: StreamEventSourceSettings = { ...streamSettingsFromMapping({}), batchSize: 10 };

const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((stoppable) => stoppable.stop()));
});

async function put(tableName: string, pk: string, sk = 'STATE'): Promise<void> {
  await dynamoClient().send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: pk }, sk: { S: sk }, n: { N: '1' } } }));
}

async function lastSequenceNumber(tableName: string): Promise<string> {
  const records = await readStreamRecords(tableName);
  return records.at(-1)!.dynamodb!.SequenceNumber!;
}

function start(options: {
  streamArn: string;
  fixture: ReturnType<typeof fixtureFunction>;
  settings: Partial<StreamEventSourceSettings>;
}): DynamoDbStreamEventSource {
  const source = new DynamoDbStreamEventSource({
    name: 'test',
    streamArn: options.streamArn,
    function: options.fixture.lambda,
    settings: { ...defaults, ...options.settings },
    streams: streamsClient(),
    sqs: sqsClient(),
    log: silentLog,
    pollIntervalMs: 50,
    retryDelayMs: () => 10,
  });
  running.push(source, options.fixture.lambda);
  source.start();
  return source;
}

describe('DynamoDB stream event source (emulated event source mapping)', () => {
  it('delivers Lambda-shaped records and drops those no filter matches, checkpointing past them', async () => {
    const { tableName, streamArn } = await createOutboxTable(uniqueName('local-filter'));
    const fixture = fixtureFunction('stream-handler.cjs');
    await put(tableName, 'KEEP#1');
    await put(tableName, 'DROP#1');
    await put(tableName, 'KEEP#2');
    await dynamoClient().send(
      new UpdateItemCommand({ TableName: tableName, Key: { pk: { S: 'KEEP#1' }, sk: { S: 'STATE' } }, UpdateExpression: 'SET n = :two', ExpressionAttributeValues: { ':two': { N: '2' } } }),
    );
    const last = await lastSequenceNumber(tableName);

    const source = start({
      streamArn,
      fixture,
      settings: {
        filters: parseFilterCriteria({
          Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: [{ prefix: 'KEEP#' }] } } } }) }],
        }),
      },
    });

    await waitFor(() => expect([...source.shardCheckpoints.values()]).toEqual([last]));
    const invocations = fixture.invocations<Invocation>();
    expect(invocations.flatMap((invocation) => invocation.keys)).toEqual(['KEEP#1', 'KEEP#2']);

    const record = invocations[0]!.records[0]!;
    expect(record).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      eventSourceARN: streamArn,
      awsRegion: 'us-east-1',
      dynamodb: {
        Keys: { pk: { S: 'KEEP#1' }, sk: { S: 'STATE' } },
        NewImage: { pk: { S: 'KEEP#1' }, sk: { S: 'STATE' }, n: { N: '1' } },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(typeof record.eventVersion).toBe('string');
    expect(typeof record.eventID).toBe('string');
    expect(typeof record.dynamodb!.SizeBytes).toBe('number');
    expect(Number.isInteger(record.dynamodb!.ApproximateCreationDateTime)).toBe(true);
    expect(Math.abs(record.dynamodb!.ApproximateCreationDateTime! - Date.now() / 1000)).toBeLessThan(120);
    expect(invocations[0]!.context.functionName).toBe(fixture.lambda.functionName);
    expect(invocations[0]!.context.remainingTimeInMillis).toBeGreaterThan(9_000);
  });

  it('bisects a failing batch, retries the poison record MaximumRetryAttempts times, sends its batch info to the on-failure queue and moves on', async () => {
    const { tableName, streamArn } = await createOutboxTable(uniqueName('local-bisect'));
    const { QueueUrl: dlqUrl } = await sqsClient().send(new CreateQueueCommand({ QueueName: uniqueName('local-stream-dlq') }));
    const dlqArn = await queueArnOf(sqsClient(), dlqUrl!);
    const fixture = fixtureFunction('stream-handler.cjs', { MODE: 'fail-on-poison' });
    for (const pk of ['a', 'b', 'poison', 'c']) await put(tableName, pk);
    const records = await readStreamRecords(tableName);
    const poison = records[2]!;

    const source = start({
      streamArn,
      fixture,
      settings: { bisectBatchOnFunctionError: true, maximumRetryAttempts: 2, onFailureDestinationArn: dlqArn },
    });

    const [message] = await receiveAll(dlqUrl!, { expected: 1, timeoutMs: 20_000 });
    expect(JSON.parse(message!.Body!)).toEqual({
      requestContext: {
        requestId: expect.any(String),
        functionArn: fixture.lambda.functionArn,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: expect.any(Number),
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      DDBStreamBatchInfo: {
        shardId: expect.stringMatching(/^shardId-/),
        startSequenceNumber: poison.dynamodb!.SequenceNumber,
        endSequenceNumber: poison.dynamodb!.SequenceNumber,
        approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        batchSize: 1,
        streamArn,
      },
    });

    // The poller moved on: a record written afterwards is delivered.
    await put(tableName, 'd');
    const last = await lastSequenceNumber(tableName);
    await waitFor(() => expect([...source.shardCheckpoints.values()]).toEqual([last]));

    const invocations = fixture.invocations<Invocation>().map((invocation) => invocation.keys);
    // [a b poison c] fails → [a b] ok; [poison c] fails → [poison] ×3 (1 + 2 retries), then [c]; then [d].
    expect(invocations).toEqual([['a', 'b', 'poison', 'c'], ['a', 'b'], ['poison', 'c'], ['poison'], ['poison'], ['poison'], ['c'], ['d']]);
    expect(await receiveAll(dlqUrl!, { expected: 1, timeoutMs: 300 })).toEqual([]);
  });

  it('resumes from the record a partial batch response names', async () => {
    const { tableName, streamArn } = await createOutboxTable(uniqueName('local-partial'));
    const fixture = fixtureFunction('stream-handler.cjs', { MODE: 'partial-once' });
    for (const pk of ['a', 'flaky', 'b']) await put(tableName, pk);
    const last = await lastSequenceNumber(tableName);

    const source = start({ streamArn, fixture, settings: { reportBatchItemFailures: true, maximumRetryAttempts: 5 } });

    await waitFor(() => expect([...source.shardCheckpoints.values()]).toEqual([last]));
    expect(fixture.invocations<Invocation>().map((invocation) => invocation.keys)).toEqual([
      ['a', 'flaky', 'b'],
      ['flaky', 'b'],
    ]);
  });

  it('gathers records for MaximumBatchingWindowInSeconds before invoking', async () => {
    const { tableName, streamArn } = await createOutboxTable(uniqueName('local-window'));
    const fixture = fixtureFunction('stream-handler.cjs');
    const source = start({ streamArn, fixture, settings: { maximumBatchingWindowSeconds: 1, batchSize: 100 } });
    await put(tableName, 'w1');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await put(tableName, 'w2');
    const last = await lastSequenceNumber(tableName);
    await waitFor(() => expect([...source.shardCheckpoints.values()]).toEqual([last]), { timeoutMs: 5_000 });
    expect(fixture.invocations<Invocation>().map((invocation) => invocation.keys)).toEqual([['w1', 'w2']]);
  });
});
