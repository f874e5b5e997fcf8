/**
 * Batch fill under a realistic mix: how full the relay's PutEvents calls are when events vary in
 * size, batch sizes are not multiples of 10 and many windows hold only a few records. The relay
 * algorithm itself (`relayEvents`, default limits and calls in flight) publishes seeded random
 * windows to an in-process publisher that counts calls and entries.
 *
 * `callsOverMinimum` = calls made / the fewest calls the same windows allow under the same limits.
 * The fewest is bounded from below per window by max(⌈records / 10⌉, ⌈bytes / size limit⌉, entries
 * larger than half the limit, which cannot share a call); the ratio to that bound is reported, so
 * the true ratio is at most the figure.
 *
 *   npx tsx bench/batch-fill.ts [--windows 2000] [--seed 14]
 */
import { newEnvelope, entrySize, toPutEventsEntry } from '../lambdas/dualwrite/envelope';
import { PUT_EVENTS_LIMITS } from '../lambdas/dualwrite/relay/batching';
import { relayEvents, type RelayItem } from '../lambdas/dualwrite/relay/relay-algorithm';
import { integerBetween, mulberry32, type Random } from '../chaos/prng';
import { parseFlags, parsePositiveInteger } from '../tools/lib/cli';
import type { BatchFillResult } from './lib/results';

export interface BatchFillOptions {
  windows?: number;
  seed?: number;
}

/** The mix, stated once: it is also what results.md says was measured. */
export const BATCH_FILL_MIX = {
  windows: '30% of 1–9 records, 50% of 11–99 records (never a multiple of 10), 20% of 100',
  aggregates: 'each record a new aggregate, or (30%) another event of an aggregate already in its window',
  sizes: 'data of 200 B–2 KB (85%), 2–30 KB (12%), 30–200 KB (3%)',
};

function windowSize(random: Random): number {
  const roll = random();
  if (roll < 0.3) return integerBetween(random, 1, 9);
  if (roll < 0.8) {
    const size = integerBetween(random, 11, 99);
    return size % 10 === 0 ? size + 1 : size;
  }
  return 100;
}

function paddingBytes(random: Random): number {
  const roll = random();
  if (roll < 0.85) return integerBetween(random, 200, 2_000);
  if (roll < 0.97) return integerBetween(random, 2_000, 30_000);
  return integerBetween(random, 30_000, 200_000);
}

function windowItems(random: Random, windowIndex: number): Array<RelayItem<string>> {
  const count = windowSize(random);
  const versions: number[] = [];
  return Array.from({ length: count }, (_, index) => {
    const aggregate = versions.length > 0 && random() < 0.3 ? integerBetween(random, 0, versions.length - 1) : versions.push(0) - 1;
    versions[aggregate] += 1;
    const envelope = newEnvelope({
      type: 'ThingHappened',
      source: 'bench.things',
      aggregateType: 'Thing',
      aggregateId: `w${windowIndex}-a${aggregate}`,
      aggregateVersion: versions[aggregate],
      correlationId: `w${windowIndex}-${index}`,
      data: { pad: 'x'.repeat(paddingBytes(random)) },
    });
    return { itemIdentifier: String(index), envelope, ref: String(index) };
  });
}

/** A lower bound of the fewest PutEvents calls that can carry these entry sizes. */
export function minimumCalls(sizes: readonly number[], limits = PUT_EVENTS_LIMITS): number {
  if (sizes.length === 0) return 0;
  const bytes = sizes.reduce((sum, size) => sum + size, 0);
  const overHalf = sizes.filter((size) => size > limits.maxBytes / 2).length;
  return Math.max(Math.ceil(sizes.length / limits.maxEntries), Math.ceil(bytes / limits.maxBytes), overHalf);
}

export async function runBatchFillBench(options: BatchFillOptions = {}): Promise<BatchFillResult> {
  const windows = options.windows ?? 2_000;
  const random = mulberry32(options.seed ?? 14);
  let calls = 0;
  let entries = 0;
  let lowerBound = 0;
  let records = 0;
  let smallWindowCalls = 0;
  let smallWindowRecords = 0;
  for (let w = 0; w < windows; w++) {
    const items = windowItems(random, w);
    let windowCalls = 0;
    const publisher = {
      putEvents: async (sent: readonly unknown[]) => {
        windowCalls += 1;
        entries += sent.length;
        return sent.map(() => ({ eventId: 'in-process' }));
      },
    };
    const outcome = await relayEvents(items, {
      eventBusName: 'bench',
      publisher,
      failureSink: { record: async () => undefined },
      remainingTimeMs: () => 60_000,
    });
    if (outcome.published.length !== items.length) throw new Error(`window ${w}: ${outcome.published.length} of ${items.length} published`);
    calls += windowCalls;
    records += items.length;
    lowerBound += minimumCalls(items.map((item) => entrySize(toPutEventsEntry(item.envelope!, 'bench'))));
    if (items.length < 10) {
      smallWindowCalls += windowCalls;
      smallWindowRecords += items.length;
    }
  }
  return {
    windows,
    records,
    calls,
    minimumCalls: lowerBound,
    entriesPerPutEvents: entries / calls,
    callsOverMinimum: calls / lowerBound,
    entriesPerPutEventsSmallWindows: smallWindowRecords / smallWindowCalls,
    mix: BATCH_FILL_MIX,
  };
}

if (require.main === module) {
  const flags = parseFlags(process.argv.slice(2), { windows: { type: 'string' }, seed: { type: 'string' } });
  runBatchFillBench({ windows: parsePositiveInteger('--windows', flags.windows), seed: parsePositiveInteger('--seed', flags.seed) })
    .then((result) => console.log(JSON.stringify(result, null, 2)))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.stack : error);
      process.exit(1);
    });
}
