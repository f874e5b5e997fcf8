/**
 * How TransactWriteItems latency on the local emulator grows with table size, with the launcher's
 * undo log and with stock moto (which deep-copies every touched table per transaction). docs/design.md#local-runtime.
 *
 *   npx tsx bench/transact-write-items.ts [sizes, default 0,1000,10000,50000]
 *
 * Both emulators run at once and are measured one after the other, in one run, so the ratio
 * compares like with like. Each transaction is what a command writes: the aggregate plus its outbox
 * item. This is a benchmark, not a test: it prints figures and asserts nothing except that the
 * writes succeed.
 *
 * All tables are created and filled first, through the emulators' own API (BatchWriteItem of 25
 * items, both emulators at once, one request in flight each: the servers are single-threaded).
 * Then the patched emulator is measured round-robin, one transaction per table size in turn, so
 * that load from other processes on a shared machine falls on every size alike and the
 * 50,000-items / empty ratio compares like with like. Then stock moto, size after size; it spends
 * seconds per transaction on a large table, so it gets fewer samples there (`samples` below; the
 * output says how many each cell has).
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

import { percentile } from './lib/stats';

const DEFAULT_SIZES = [0, 1_000, 10_000, 50_000];
const TARGET_SIZE = 50_000;
const BATCH_WRITE_LIMIT = 25;
const FILLER_PAYLOAD = 'x'.repeat(200);

interface Samples {
  warmUp: number;
  measured: number;
}

/** The undo log gets 100 samples per size; stock moto fewer as its cost grows with the table. */
const PATCHED_SAMPLES: Samples = { warmUp: 5, measured: 100 };
function stockSamples(size: number): Samples {
  if (size <= 1_000) return { warmUp: 5, measured: 50 };
  if (size <= 10_000) return { warmUp: 1, measured: 10 };
  return { warmUp: 1, measured: 5 };
}

interface Stats {
  median: number;
  p95: number;
  count: number;
}

async function main(): Promise<void> {
  const sizes = process.argv[2]?.split(',').map(Number) ?? DEFAULT_SIZES;
  const started = performance.now();
  const emulators = await Promise.all([startEmulator({ undoLog: true }), startEmulator({ undoLog: false })]);
  try {
    const [patched, stock] = emulators.map(client) as [DynamoDBClient, DynamoDBClient];
    console.log(
      'TransactWriteItems (Put aggregate + Put outbox item, both conditional) on the local emulator; table with stream ' +
        'NEW_AND_OLD_IMAGES, filled by BatchWriteItem with items of ~230 bytes; times in ms.',
    );
    console.log(
      'patched = launcher with the undo log; stock = the same launcher with --no-undo-log (moto 5.2.1 TransactWriteItems, whole-table deep copy).',
    );
    console.log(
      `Samples per cell (after warm-up runs): patched ${PATCHED_SAMPLES.measured} at every size, taken round-robin across the sizes; ` +
        'stock 50 up to 1,000 items, 10 at 10,000, 5 above (a stock transaction takes seconds on a large table).',
    );

    const fillStarted = performance.now();
    for (const size of sizes) {
      await Promise.all([fill(patched, `bench-patched-${size}`, size), fill(stock, `bench-stock-${size}`, size)]);
    }
    const filled = sizes.map((size) => size.toLocaleString('en-US')).join(', ');
    console.log(`Filled tables of ${filled} items in each emulator in ${((performance.now() - fillStarted) / 1000).toFixed(0)} s.`);
    console.log('');

    const withUndoLog = await measureRoundRobin(
      patched,
      sizes.map((size) => `bench-patched-${size}`),
      PATCHED_SAMPLES,
    );
    const header = ['items', 'patched median', 'patched p95', 'n', 'stock median', 'stock p95', 'n', 'stock/patched median'];
    console.log(header.join(' | '));
    const patchedMedians = new Map<number, number>();
    for (const [index, size] of sizes.entries()) {
      const patchedStats = withUndoLog[index]!;
      const stockStats = await measure(stock, `bench-stock-${size}`, stockSamples(size));
      patchedMedians.set(size, patchedStats.median);
      console.log(
        [
          size.toLocaleString('en-US'),
          ms(patchedStats.median),
          ms(patchedStats.p95),
          String(patchedStats.count),
          ms(stockStats.median),
          ms(stockStats.p95),
          String(stockStats.count),
          `${(stockStats.median / patchedStats.median).toFixed(1)}x`,
        ].join(' | '),
      );
    }
    const empty = patchedMedians.get(0);
    const target = patchedMedians.get(TARGET_SIZE);
    console.log('');
    if (empty !== undefined && target !== undefined) {
      const ratio = target / empty;
      console.log(
        `patched at ${TARGET_SIZE.toLocaleString('en-US')} items / patched empty = ${ratio.toFixed(2)}× (target ≤ 2×)` +
          (ratio <= 2 ? '' : '  MISSED'),
      );
    } else {
      console.log(`(run with sizes including 0 and ${TARGET_SIZE} for the patched ${TARGET_SIZE}/empty ratio)`);
    }
    console.log(`total run time ${((performance.now() - started) / 1000).toFixed(0)} s`);
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

async function fill(dynamo: DynamoDBClient, tableName: string, size: number): Promise<void> {
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
}

async function measure(dynamo: DynamoDBClient, tableName: string, { warmUp, measured }: Samples): Promise<Stats> {
  const durations: number[] = [];
  for (let run = 0; run < warmUp + measured; run++) {
    const duration = await timeOneTransaction(dynamo, tableName, run);
    if (run >= warmUp) durations.push(duration);
  }
  return stats(durations);
}

/** One transaction per table in turn, `warmUp + measured` rounds; the order rotates each round. */
async function measureRoundRobin(dynamo: DynamoDBClient, tableNames: string[], { warmUp, measured }: Samples): Promise<Stats[]> {
  const durations = tableNames.map((): number[] => []);
  for (let run = 0; run < warmUp + measured; run++) {
    for (let turn = 0; turn < tableNames.length; turn++) {
      const index = (run + turn) % tableNames.length;
      const duration = await timeOneTransaction(dynamo, tableNames[index]!, run);
      if (run >= warmUp) durations[index]!.push(duration);
    }
  }
  return durations.map(stats);
}

/** Milliseconds for one TransactWriteItems of a new aggregate and its outbox item (both conditional). */
async function timeOneTransaction(dynamo: DynamoDBClient, tableName: string, run: number): Promise<number> {
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
  return performance.now() - started;
}

function stats(durations: number[]): Stats {
  const sorted = [...durations].sort((a, b) => a - b);
  // The median of an even count is the mean of the two middle samples (lib/stats' median is nearest-rank).
  const middle = sorted.length / 2;
  const median = sorted.length % 2 === 0 ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[Math.floor(middle)]!;
  return { median, p95: percentile(sorted, 95), count: sorted.length };
}

const ms = (value: number) => value.toFixed(1);

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
