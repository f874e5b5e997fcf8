/**
 * Property tests of the concurrent relay (relay-algorithm.ts): random stream batches over many
 * aggregates, against an in-memory EventBridge whose calls finish in random order and that fails
 * entries (retryable and terminal), throttles whole calls, refuses calls for good, and a failure
 * sink that may fail; time runs out at a random point. Each property names what it checks and runs
 * `NUM_RUNS` random cases (fast-check shrinks a failing case to a small one and prints its seed).
 */
import fc from 'fast-check';
import { describe, expect, it } from '@jest/globals';
import { entrySize, toPutEventsEntry, type EventEnvelope, type PutEventsEntry } from '../../../lambdas/dualwrite/envelope';
import { planCalls } from '../../../lambdas/dualwrite/relay/batching';
import { relayEvents, type PublishResultEntry, type RelayItem, type RelayOutcome } from '../../../lambdas/dualwrite/relay/relay-algorithm';
import { mulberry32 } from '../../../chaos/prng';
import { envelope, FakeClock, FakeFailureSink, NamedError } from './fakes';

const NUM_RUNS = 300;
const BUS = 'property-bus';

interface EventSpec {
  aggregate: number;
  /** Extra bytes of data: most events small, some large enough for the byte limit to bind. */
  padding: number;
  malformed: boolean;
}

interface Faults {
  seed: number;
  retryableEntry: number;
  terminalEntry: number;
  throttledCall: number;
  refusedCall: number;
  sinkFailure: number;
  /** Milliseconds of fake time the invocation has; each call costs 5–40 ms of it. */
  budgetMs: number;
}

interface Scenario {
  events: EventSpec[];
  maxConcurrentCalls: number;
  maxBytes: number;
  faults: Faults;
}

const eventSpec = fc.record({
  aggregate: fc.nat({ max: 15 }),
  padding: fc.oneof({ weight: 8, arbitrary: fc.nat({ max: 400 }) }, { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 5_000 }) }),
  // About one record in 20 never parsed into an envelope.
  malformed: fc.nat({ max: 19 }).map((n) => n === 0),
});

const faultFree: Faults = { seed: 1, retryableEntry: 0, terminalEntry: 0, throttledCall: 0, refusedCall: 0, sinkFailure: 0, budgetMs: 1e12 };

const faults = fc.record({
  seed: fc.integer(),
  retryableEntry: fc.double({ min: 0, max: 0.4, noNaN: true }),
  terminalEntry: fc.double({ min: 0, max: 0.1, noNaN: true }),
  throttledCall: fc.double({ min: 0, max: 0.3, noNaN: true }),
  refusedCall: fc.double({ min: 0, max: 0.05, noNaN: true }),
  sinkFailure: fc.double({ min: 0, max: 0.1, noNaN: true }),
  budgetMs: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.constant(1e12)),
});

const scenario = (withFaults: fc.Arbitrary<Faults>): fc.Arbitrary<Scenario> =>
  fc.record({
    events: fc.array(eventSpec, { maxLength: 60 }),
    maxConcurrentCalls: fc.integer({ min: 1, max: 12 }),
    // 4 KiB makes the byte limit bind on the large events; 256 KiB never does here.
    maxBytes: fc.constantFrom(4_096, 262_144),
    faults: withFaults,
  });

/** What happened, in order: calls starting and ending, sink records. */
type Happening =
  | { kind: 'start'; call: number; ids: string[] }
  | { kind: 'end'; call: number; published: string[] }
  | { kind: 'sunk'; id: string };

interface Run {
  items: Array<RelayItem<string>>;
  outcome: RelayOutcome<string>;
  log: Happening[];
  calls: PutEventsEntry[][];
  maxInFlight: number;
  aggregateOf: Map<string, number>;
}

function itemsOf(events: EventSpec[]): { items: Array<RelayItem<string>>; aggregateOf: Map<string, number> } {
  const versions = new Map<number, number>();
  const aggregateOf = new Map<string, number>();
  const items = events.map((spec, index): RelayItem<string> => {
    const itemIdentifier = String(index).padStart(5, '0');
    if (spec.malformed) return { itemIdentifier, malformed: new Error('bad image'), ref: itemIdentifier };
    const version = (versions.get(spec.aggregate) ?? 0) + 1;
    versions.set(spec.aggregate, version);
    const event: EventEnvelope = envelope(version, {
      id: `evt-${itemIdentifier}`,
      aggregateId: `thing-${spec.aggregate}`,
      data: { pad: 'x'.repeat(spec.padding) },
    });
    aggregateOf.set(event.id, spec.aggregate);
    return { itemIdentifier, envelope: event, ref: itemIdentifier };
  });
  return { items, aggregateOf };
}

const idOf = (entry: PutEventsEntry) => (JSON.parse(entry.Detail) as EventEnvelope).id;

async function runScenario({ events, maxConcurrentCalls, maxBytes, faults: f }: Scenario): Promise<Run> {
  const { items, aggregateOf } = itemsOf(events);
  const random = mulberry32(f.seed);
  const clock = FakeClock.withBudget(f.budgetMs);
  const log: Happening[] = [];
  const calls: PutEventsEntry[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const publisher = {
    async putEvents(entries: readonly PutEventsEntry[]): Promise<PublishResultEntry[]> {
      const call = calls.length;
      calls.push([...entries]);
      log.push({ kind: 'start', call, ids: entries.map(idOf) });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Calls answer after a random number of turns of the event loop, so they finish out of order.
      const turns = Math.floor(random() * 20);
      for (let i = 0; i < turns; i++) await Promise.resolve();
      clock.nowMs += 5 + Math.floor(random() * 35);
      inFlight--;
      const roll = random();
      if (roll < f.refusedCall) {
        log.push({ kind: 'end', call, published: [] });
        throw new NamedError('AccessDeniedException', 'not allowed');
      }
      if (roll < f.refusedCall + f.throttledCall) {
        log.push({ kind: 'end', call, published: [] });
        throw new NamedError('ThrottlingException', 'slow down', { $retryable: { throttling: true } });
      }
      const results = entries.map((): PublishResultEntry => {
        const r = random();
        if (r < f.retryableEntry) return { errorCode: 'ThrottlingException', errorMessage: 'slow down' };
        if (r < f.retryableEntry + f.terminalEntry) return { errorCode: 'MalformedDetail', errorMessage: 'no' };
        return { eventId: 'eb' };
      });
      log.push({ kind: 'end', call, published: entries.filter((_, i) => !results[i].errorCode).map(idOf) });
      return results;
    },
  };
  const sink = new FakeFailureSink<string>(() => random() < f.sinkFailure);
  const recordingSink = {
    async record(item: RelayItem<string>, failure: { code: string; message: string }) {
      await sink.record(item, failure);
      log.push({ kind: 'sunk', id: item.envelope?.id ?? item.itemIdentifier });
    },
  };
  const outcome = await relayEvents(items, {
    eventBusName: BUS,
    publisher,
    failureSink: recordingSink,
    remainingTimeMs: clock.remainingTimeMs,
    sleep: clock.sleep,
    now: clock.now,
    random,
    safetyMarginMs: 50,
    backoff: { baseDelayMs: 10, maxDelayMs: 100 },
    limits: { maxEntries: 10, maxBytes },
    maxConcurrentCalls,
  });
  return { items, outcome, log, calls, maxInFlight, aggregateOf };
}

const idOfItem = (item: RelayItem<string>) => item.envelope?.id ?? item.itemIdentifier;

function settledIds(run: Run): Set<string> {
  return new Set([...run.outcome.published.map(idOfItem), ...run.outcome.failed.map((f) => idOfItem(f.item))]);
}

describe(`relay properties (${NUM_RUNS} random cases each)`, () => {
  it('order: an event is sent only once every earlier event of its aggregate has settled or rides earlier in the same call, and no aggregate is in two calls in flight', async () => {
    await fc.assert(
      fc.asyncProperty(scenario(faults), async (s) => {
        const run = await runScenario(s);
        const streamIndex = new Map(run.items.map((item, index) => [idOfItem(item), index]));
        const settled = new Set<string>();
        const inFlight = new Map<number, string[]>();
        for (const happening of run.log) {
          if (happening.kind === 'end') {
            inFlight.delete(happening.call);
            happening.published.forEach((id) => settled.add(id));
          } else if (happening.kind === 'sunk') {
            settled.add(happening.id);
          } else {
            const busy = new Set([...inFlight.values()].flat().map((id) => run.aggregateOf.get(id)));
            for (const [position, id] of happening.ids.entries()) {
              const aggregate = run.aggregateOf.get(id);
              expect(busy.has(aggregate)).toBe(false);
              const earlierInCall = new Set(happening.ids.slice(0, position));
              for (const item of run.items.slice(0, streamIndex.get(id))) {
                if (item.envelope === undefined || run.aggregateOf.get(item.envelope.id) !== aggregate) continue;
                expect(settled.has(item.envelope.id) || earlierInCall.has(item.envelope.id)).toBe(true);
              }
            }
            inFlight.set(happening.call, happening.ids);
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('checkpoint: every record before it is settled, none is lost, and without one every record is settled', async () => {
    await fc.assert(
      fc.asyncProperty(scenario(faults), async (s) => {
        const run = await runScenario(s);
        const settled = settledIds(run);
        const failures = run.outcome.batchItemFailures;
        expect(failures.length).toBeLessThanOrEqual(1);
        const checkpoint = failures.length === 0 ? run.items.length : run.items.findIndex((item) => item.itemIdentifier === failures[0].itemIdentifier);
        expect(checkpoint).toBeGreaterThanOrEqual(0);
        run.items.slice(0, checkpoint).forEach((item) => expect(settled.has(idOfItem(item))).toBe(true));
        // The checkpoint names the first unsettled record, never a settled one.
        if (failures.length === 1) expect(settled.has(idOfItem(run.items[checkpoint]))).toBe(false);
        // Published or failed, never both, and each at most once.
        expect(run.outcome.published.length + run.outcome.failed.length).toBe(settled.size);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('limits: every call carries 1–10 entries within the byte limit, and no more calls are in flight than maxConcurrentCalls', async () => {
    await fc.assert(
      fc.asyncProperty(scenario(faults), async (s) => {
        const run = await runScenario(s);
        for (const call of run.calls) {
          expect(call.length).toBeGreaterThanOrEqual(1);
          expect(call.length).toBeLessThanOrEqual(10);
          expect(call.reduce((bytes, entry) => bytes + entrySize(entry), 0)).toBeLessThanOrEqual(s.maxBytes);
        }
        expect(run.maxInFlight).toBeLessThanOrEqual(s.maxConcurrentCalls);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('no faults: every event that fits is published exactly once, the rest fail, no checkpoint, and each aggregate is delivered in stream order', async () => {
    await fc.assert(
      fc.asyncProperty(scenario(fc.constant(faultFree)), async (s) => {
        const run = await runScenario(s);
        expect(run.outcome.batchItemFailures).toEqual([]);
        const fits = (item: RelayItem<string>) => item.envelope !== undefined && entrySize(toPutEventsEntry(item.envelope, BUS)) <= s.maxBytes;
        const publishable = run.items.filter(fits);
        const delivered = run.log.flatMap((h) => (h.kind === 'end' ? h.published : []));
        expect(delivered.sort()).toEqual(publishable.map(idOfItem).sort());
        const deliveredInOrder = run.log.flatMap((h) => (h.kind === 'end' ? h.published : []));
        const versionsOf = new Map<number, number[]>();
        for (const id of deliveredInOrder) {
          const item = publishable.find((candidate) => candidate.envelope?.id === id)!;
          const aggregate = run.aggregateOf.get(id)!;
          versionsOf.set(aggregate, [...(versionsOf.get(aggregate) ?? []), item.envelope!.aggregateVersion]);
        }
        for (const versions of versionsOf.values()) expect(versions).toEqual([...versions].sort((a, b) => a - b));
        // Only what can never be published fails: records that never parsed, entries larger than a call.
        const failed = run.outcome.failed.map((f) => f.item.itemIdentifier).sort();
        expect(failed).toEqual(run.items.filter((item) => !fits(item)).map((item) => item.itemIdentifier));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('plan: when bytes do not bind, planCalls makes the fewest calls there can be, ⌈n / 10⌉', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 30 }), { maxLength: 300 }), (aggregates) => {
        const steps = planCalls(aggregates, () => 100, (aggregate) => String(aggregate));
        expect(steps).toHaveLength(Math.ceil(aggregates.length / 10));
      }),
      { numRuns: 1_000 },
    );
  });
});
