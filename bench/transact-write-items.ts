/**
 * How TransactWriteItems latency on the local emulator grows with table size, with the launcher's
 * undo log and with stock moto (which deep-copies every touched table per transaction). DESIGN §6.
 *
 *   npx tsx bench/transact-write-items.ts [sizes, default 0,1000,5000]
 *
 * Both emulators run at once, measured one after the other, in one run, so the ratio compares like
 * with like. Each transaction is what a command writes: the aggregate plus its outbox item.
 */
import { performance } from 'node:perf_hooks';

import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  TransactWriteItemsCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';

import { LOCAL_AWS_REGION, startEmulator, type RunningEmulator } from '../local/emulator';

const DEFAULT_SIZES = [0, 1_000, 5_000];
const WARM_UP_RUNS = 5;
const MEASURED_RUNS = 50;
const BATCH_WRITE_LIMIT = 25;
const FILLER_PAYLOAD = 'x'.repeat(200);

interface Stats {
  median: number;
  p95: number;
}

async function main(): Promise<void> {
  const sizes = process.argv[2]?.split(',').map(Number) ?? DEFAULT_SIZES;
  const emulators = await Promise.all([startEmulator({ undoLog: true }), startEmulator({ undoLog: false })]);
  try {
    const [patched, stock] = emulators.map(client);
    console.log(
      `TransactWriteItems (Put aggregate + Put outbox item), ${MEASURED_RUNS} runs per cell after ${WARM_UP_RUNS} warm-up runs; ` +
        'table with stream NEW_AND_OLD_IMAGES, filled by BatchWriteItem; times in ms',
    );
    const header = ['items', 'undo log median', 'undo log p95', 'stock median', 'stock p95', 'stock/undo median', 'stock/undo p95'];
    console.log(header.join(' | '));
    for (const size of sizes) {
      const withUndoLog = await measure(patched!, `bench-undo-${size}`, size);
      const withoutUndoLog = await measure(stock!, `bench-stock-${size}`, size);
      console.log(
        [
          String(size),
          ms(withUndoLog.median),
          ms(withUndoLog.p95),
          ms(withoutUndoLog.median),
          ms(withoutUndoLog.p95),
          `${(withoutUndoLog.median / withUndoLog.median).toFixed(1)}x`,
          `${(withoutUndoLog.p95 / withUndoLog.p95).toFixed(1)}x`,
        ].join(' | '),
      );
    }
  } finally {
    await Promise.all(emulators.map((emulator) => emulator.stop()));
  }
}

function client(emulator: RunningEmulator): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: emulator.endpoint,
    region: LOCAL_AWS_REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

async function measure(dynamo: DynamoDBClient, tableName: string, size: number): Promise<Stats> {
  await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  for (let start = 0; start < size; start += BATCH_WRITE_LIMIT) {
    const requests: WriteRequest[] = [];
    for (let i = start; i < Math.min(size, start + BATCH_WRITE_LIMIT); i++) {
      requests.push({ PutRequest: { Item: { pk: { S: `FILLER#${i}` }, sk: { S: 'STATE' }, payload: { S: FILLER_PAYLOAD } } } });
    }
    const { UnprocessedItems } = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }));
    if (Object.keys(UnprocessedItems ?? {}).length > 0) throw new Error('BatchWriteItem left items unprocessed');
  }

  const durations: number[] = [];
  for (let run = 0; run < WARM_UP_RUNS + MEASURED_RUNS; run++) {
    const pk = { S: `ORDER#bench-${run}` };
    const command = new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName,
            Item: { pk, sk: { S: 'STATE' }, status: { S: 'PLACED' }, version: { N: '1' } },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: { pk, sk: { S: 'OUTBOX#0000000001' }, type: { S: 'OrderPlaced' } },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
    const started = performance.now();
    await dynamo.send(command);
    if (run >= WARM_UP_RUNS) durations.push(performance.now() - started);
  }
  return stats(durations);
}

function stats(durations: number[]): Stats {
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
  const middle = sorted.length / 2;
  const median = sorted.length % 2 === 0 ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[Math.floor(middle)]!;
  return { median, p95: at(0.95) };
}

const ms = (value: number) => value.toFixed(1);

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
