/**
 * The relay at AWS speed: the REAL outbox relay handler (`makeOutboxRelayHandler`,
 * `EventBridgePublisher`, `@aws-sdk/client-eventbridge`) against the PutEvents stub in another
 * process, which answers each call after a log-normal delay (default median 25 ms, p99 80 ms: a
 * PutEvents round trip from Lambda in-region). Publishing one call after another
 * (`maxConcurrentCalls: 1`, "sequential") is compared with the default number of calls in flight
 * ("concurrent"), for every batch size and spread of aggregates, batch by batch in turn so both
 * see the same machine load. Both publish the same batches, and the stub's delay is a hash of a
 * call's first entry, so both meet the same delays: the ratio is the concurrency's doing.
 *
 * Logs and metrics are off (no Powertools instances): this measures wall time, which waiting on
 * PutEvents dominates; bench/relay.ts measures the CPU with them on.
 *
 *   npx tsx bench/relay-latency.ts [--median-ms 25] [--p99-ms 80]
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { makeOutboxRelayHandler } from '../lambdas/dualwrite/relay/handler';
import { EventBridgePublisher } from '../lambdas/dualwrite/relay/eventbridge-publisher';
import { DEFAULT_MAX_CONCURRENT_CALLS } from '../lambdas/dualwrite/relay/relay-algorithm';
import type { RelayLatencyCell, RelayLatencyResult, LatencyRun } from './lib/results';
import { mulberry32 } from '../chaos/prng';
import { distribution } from './lib/stats';
import { fakeLambdaContext, outboxStreamBatch } from './lib/stream-batches';
import { parseFlags, parsePositiveInteger } from '../tools/lib/cli';
import { startStub } from './relay';

export interface RelayLatencyOptions {
  medianMs?: number;
  p99Ms?: number;
  /** Calls in flight of the "concurrent" runs. @default DEFAULT_MAX_CONCURRENT_CALLS */
  concurrency?: number;
  /** Batches measured per cell and mode, by batch size. */
  batchesPerCell?: (records: number) => number;
  /** Values of maxConcurrentCalls tried on the sweep (100 records over 100 aggregates). */
  sweep?: number[];
  onProgress?: (done: number, total: number) => void;
}

export const BATCH_SIZES = [10, 100, 1_000];
export const AGGREGATE_SPREADS = [1, 10, 100];
const DEFAULT_SWEEP = [1, 2, 4, 6, 8, 10, 16];
// The default stream batch size, each record its own order: what the relay sees under load.
const SWEEP_RECORDS = 100;
const SWEEP_AGGREGATES = 100;
const SWEEP_BATCHES = 20;
const RESAMPLES = 5_000;

/**
 * The most concurrency can gain for a batch of `calls` calls that wait for nothing, with no CPU
 * cost at all: E[sum of `calls` delays] / E[slowest of them], resampled from the delays the stub
 * served in this run (seeded, so the figure is the run's own).
 */
export function latencyCeiling(delaysMs: readonly number[], calls: number, random: () => number): { sumMs: number; maxMs: number; ratio: number } {
  let sum = 0;
  let max = 0;
  for (let r = 0; r < RESAMPLES; r++) {
    let batchSum = 0;
    let batchMax = 0;
    for (let c = 0; c < calls; c++) {
      const delay = delaysMs[Math.floor(random() * delaysMs.length)];
      batchSum += delay;
      batchMax = Math.max(batchMax, delay);
    }
    sum += batchSum;
    max += batchMax;
  }
  return { sumMs: sum / RESAMPLES, maxMs: max / RESAMPLES, ratio: sum / max };
}

function defaultBatchesPerCell(records: number): number {
  if (records <= 10) return 40;
  if (records <= 100) return 60;
  return 6;
}

type Handler = ReturnType<typeof makeOutboxRelayHandler>;

function summarize(wallsMs: number[], records: number): LatencyRun {
  const d = distribution(wallsMs);
  return { batches: d.n, meanMs: d.mean, p50Ms: d.p50, p90Ms: d.p90, maxMs: d.max, eventsPerSecond: records / (d.mean / 1000) };
}

async function timeBatch(handler: Handler, batch: DynamoDBStreamEvent): Promise<number> {
  const startedAt = performance.now();
  const response = await handler(batch, fakeLambdaContext());
  const wallMs = performance.now() - startedAt;
  if (response.batchItemFailures.length > 0) throw new Error(`the relay checkpointed at ${response.batchItemFailures[0].itemIdentifier} against a stub that never fails`);
  return wallMs;
}

export async function runRelayLatencyBench(options: RelayLatencyOptions = {}): Promise<RelayLatencyResult> {
  const medianMs = options.medianMs ?? 25;
  const p99Ms = options.p99Ms ?? 80;
  const concurrency = options.concurrency ?? DEFAULT_MAX_CONCURRENT_CALLS;
  const batchesPerCell = options.batchesPerCell ?? defaultBatchesPerCell;
  const sweepValues = options.sweep ?? DEFAULT_SWEEP;
  const stub = await startStub({ medianMs, p99Ms });
  const client = new EventBridgeClient({
    endpoint: stub.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000 },
  });
  const publisher = new EventBridgePublisher(client);
  const failureSink = {
    record: async () => {
      throw new Error('unexpected terminal failure against a stub that never fails');
    },
  };
  const handlerWith = (maxConcurrentCalls: number): Handler =>
    makeOutboxRelayHandler({ eventBusName: 'bench-events', publisher, failureSink, relay: { maxConcurrentCalls } });
  const sequential = handlerWith(1);
  const concurrent = handlerWith(concurrency);

  const total =
    BATCH_SIZES.reduce((sum, records) => sum + AGGREGATE_SPREADS.length * batchesPerCell(records), 0) + sweepValues.length;
  let done = 0;
  let batchNumber = 0;
  try {
    // Warm up: connections opened and code paths compiled before anything is timed.
    for (let i = 0; i < 3; i++) {
      const warm = outboxStreamBatch(batchNumber++, 100, new Date(), 100);
      await timeBatch(sequential, warm);
      await timeBatch(concurrent, warm);
    }
    const cells: RelayLatencyCell[] = [];
    for (const records of BATCH_SIZES) {
      for (const aggregates of AGGREGATE_SPREADS) {
        const sequentialMs: number[] = [];
        const concurrentMs: number[] = [];
        for (let i = 0; i < batchesPerCell(records); i++) {
          const batch = outboxStreamBatch(batchNumber++, records, new Date(), aggregates);
          // Alternate which mode goes first, so neither always follows the other.
          if (i % 2 === 0) {
            sequentialMs.push(await timeBatch(sequential, batch));
            concurrentMs.push(await timeBatch(concurrent, batch));
          } else {
            concurrentMs.push(await timeBatch(concurrent, batch));
            sequentialMs.push(await timeBatch(sequential, batch));
          }
          options.onProgress?.((done += 1), total);
        }
        const seq = summarize(sequentialMs, records);
        const conc = summarize(concurrentMs, records);
        cells.push({ records, aggregates, sequential: seq, concurrent: conc, speedup: seq.meanMs / conc.meanMs });
      }
    }
    const sweep: RelayLatencyResult['sweep']['runs'] = [];
    for (const calls of sweepValues) {
      const handler = handlerWith(calls);
      const wallsMs: number[] = [];
      for (let i = 0; i < SWEEP_BATCHES; i++) wallsMs.push(await timeBatch(handler, outboxStreamBatch(batchNumber++, SWEEP_RECORDS, new Date(), SWEEP_AGGREGATES)));
      sweep.push({ maxConcurrentCalls: calls, ...summarize(wallsMs, SWEEP_RECORDS) });
      options.onProgress?.((done += 1), total);
    }
    const stats = (await (await fetch(`${stub.url}/stats`)).json()) as { delaysMs: number[] };
    const delays = distribution(stats.delaysMs);
    const cell = (records: number, aggregates: number) => cells.find((c) => c.records === records && c.aggregates === aggregates)!;
    const ceiling = latencyCeiling(stats.delaysMs, 10, mulberry32(14));
    return {
      ceilingPer100: { sequentialDelayMs: ceiling.sumMs, concurrentDelayMs: ceiling.maxMs, speedup: ceiling.ratio },
      stub: { medianMs, p99Ms, servedP50Ms: delays.p50, servedP99Ms: delays.p99, servedMeanMs: delays.mean, servedCalls: delays.n },
      concurrency,
      cells,
      sweep: { records: SWEEP_RECORDS, aggregates: SWEEP_AGGREGATES, runs: sweep },
      sequentialMsPer100: cell(100, 10).sequential.meanMs,
      concurrentMsPer100: cell(100, 10).concurrent.meanMs,
      speedup: cell(100, 10).speedup,
      speedupOneAggregate: cell(100, 1).speedup,
    };
  } finally {
    client.destroy();
    stub.child.kill('SIGTERM');
  }
}

if (require.main === module) {
  const flags = parseFlags(process.argv.slice(2), { 'median-ms': { type: 'string' }, 'p99-ms': { type: 'string' } });
  runRelayLatencyBench({
    medianMs: parsePositiveInteger('--median-ms', flags['median-ms']),
    p99Ms: parsePositiveInteger('--p99-ms', flags['p99-ms']),
    onProgress: (done, total) => process.stderr.write(`\rrelay latency ${done}/${total}`),
  })
    .then((result) => {
      process.stderr.write('\n');
      console.log(JSON.stringify(result, null, 2));
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.stack : error);
      process.exit(1);
    });
}
