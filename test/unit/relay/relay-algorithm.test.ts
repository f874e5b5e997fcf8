import { describe, expect, it } from '@jest/globals';
import { entrySize, MAX_PUT_EVENTS_BYTES, toPutEventsEntry } from '../../../lambdas/dualwrite/envelope';
import { relayEvents, type RelayItem, type RelayPorts } from '../../../lambdas/dualwrite/relay/relay-algorithm';
import { envelope, FakeClock, FakeEventBus, FakeFailureSink, FakeMetrics, item, items, NamedError } from './fakes';

const BUS = 'test-bus';

function ports(overrides: Partial<RelayPorts<string>> & Pick<RelayPorts<string>, 'publisher'>): RelayPorts<string> {
  const clock = new FakeClock();
  return {
    eventBusName: BUS,
    failureSink: new FakeFailureSink(),
    remainingTimeMs: clock.remainingTimeMs,
    sleep: clock.sleep,
    now: clock.now,
    random: () => 0.5,
    safetyMarginMs: 1_000,
    ...overrides,
  };
}

/** An item whose PutEvents entry is exactly `sizeBytes` long (ASCII padding in data). */
function sizedItem(version: number, sizeBytes: number): RelayItem<string> {
  const base = envelope(version, { data: { pad: '' } });
  const baseSize = entrySize(toPutEventsEntry(base, BUS));
  const padded = { ...base, data: { pad: 'x'.repeat(sizeBytes - baseSize) } };
  expect(entrySize(toPutEventsEntry(padded, BUS))).toBe(sizeBytes);
  return { ...item(version), envelope: padded };
}

describe('relayEvents: batching', () => {
  it('sends 25 events as 10, 10 and 5 entries, in sequence order', async () => {
    const bus = new FakeEventBus();
    const outcome = await relayEvents(items(25), ports({ publisher: bus }));
    expect(bus.callSizes()).toEqual([10, 10, 5]);
    expect(bus.deliveredVersions()).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(outcome.batchItemFailures).toEqual([]);
    expect(outcome.published).toHaveLength(25);
  });

  it('sends each envelope as the Detail of an entry on the configured bus', async () => {
    const bus = new FakeEventBus();
    const one = item(1);
    await relayEvents([one], ports({ publisher: bus }));
    expect(bus.calls[0][0]).toEqual({
      Source: 'test.things',
      DetailType: 'ThingHappened',
      Detail: JSON.stringify(one.envelope),
      Time: new Date('2026-01-01T00:00:00.000Z'),
      EventBusName: BUS,
    });
  });

  it('closes a batch before 10 entries when the next entry would pass 256 KB', async () => {
    const bus = new FakeEventBus();
    const fiveLarge = [1, 2, 3, 4, 5].map((v) => sizedItem(v, 100 * 1024));
    await relayEvents(fiveLarge, ports({ publisher: bus }));
    expect(bus.callSizes()).toEqual([2, 2, 1]);
    expect(bus.deliveredVersions()).toEqual([1, 2, 3, 4, 5]);
  });

  it('fills a call to exactly 256 KB, and splits at one byte more', async () => {
    const exact = new FakeEventBus();
    await relayEvents([sizedItem(1, MAX_PUT_EVENTS_BYTES / 2), sizedItem(2, MAX_PUT_EVENTS_BYTES / 2)], ports({ publisher: exact }));
    expect(exact.callSizes()).toEqual([2]);

    const over = new FakeEventBus();
    await relayEvents([sizedItem(1, MAX_PUT_EVENTS_BYTES / 2), sizedItem(2, MAX_PUT_EVENTS_BYTES / 2 + 1)], ports({ publisher: over }));
    expect(over.callSizes()).toEqual([1, 1]);
  });

  it('hands an entry larger than a whole call to the failure sink and publishes the rest', async () => {
    const bus = new FakeEventBus();
    const sink = new FakeFailureSink();
    const outcome = await relayEvents([item(1), sizedItem(2, MAX_PUT_EVENTS_BYTES + 1), item(3)], ports({ publisher: bus, failureSink: sink }));
    expect(bus.deliveredVersions()).toEqual([1, 3]);
    expect(bus.calls.flat()).toHaveLength(2);
    expect(sink.recorded.map((r) => [r.item.itemIdentifier, r.failure.code])).toEqual([['0002', 'EntryTooLarge']]);
    expect(sink.recorded[0].failure.message).toContain(`${MAX_PUT_EVENTS_BYTES + 1} bytes`);
    expect(outcome.batchItemFailures).toEqual([]);
  });

  it('hands an item that never parsed to the failure sink and publishes the rest', async () => {
    const bus = new FakeEventBus();
    const sink = new FakeFailureSink();
    const malformed: RelayItem<string> = { itemIdentifier: '0002', malformed: new Error('envelope field "id" must be a non-empty string'), ref: 'ref-0002' };
    const outcome = await relayEvents([item(1), malformed, item(3)], ports({ publisher: bus, failureSink: sink }));
    expect(bus.deliveredVersions()).toEqual([1, 3]);
    expect(sink.recorded).toEqual([
      { item: malformed, failure: { code: 'MalformedEvent', message: 'Error: envelope field "id" must be a non-empty string' } },
    ]);
    expect(outcome.batchItemFailures).toEqual([]);
  });
});

describe('relayEvents: per-entry failures', () => {
  it('retries only the throttled entry, and publishes every event exactly once before the next batch', async () => {
    const bus = new FakeEventBus((entries, call) =>
      call === 0 ? entries.map((_, i) => (i === 1 ? { errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' } : {})) : 'accept-all',
    );
    const metrics = new FakeMetrics();
    const outcome = await relayEvents(items(12), ports({ publisher: bus, metrics }));

    expect(bus.callSizes()).toEqual([10, 1, 2]);
    expect(bus.calls[1].map((e) => JSON.parse(e.Detail).aggregateVersion)).toEqual([2]);
    expect(bus.deliveredVersions()).toEqual([1, 3, 4, 5, 6, 7, 8, 9, 10, 2, 11, 12]);
    expect(outcome.batchItemFailures).toEqual([]);
    expect(metrics.sum('EventsPublished')).toBe(12);
    expect(metrics.sum('EventsRetried')).toBe(1);
    expect(metrics.all('BatchFill')).toEqual([10, 1, 2]);
  });

  it('treats InternalFailure as retryable and a result the response left out as unconfirmed', async () => {
    const bus = new FakeEventBus((entries, call) => (call === 0 ? [{ errorCode: 'InternalFailure' }, {}, undefined].slice(0, entries.length) : 'accept-all'));
    const outcome = await relayEvents(items(3), ports({ publisher: bus }));
    expect(bus.calls.map((c) => c.map((e) => JSON.parse(e.Detail).aggregateVersion))).toEqual([[1, 2, 3], [1, 3]]);
    expect(bus.deliveredVersions().sort()).toEqual([1, 2, 3]);
    expect(outcome.batchItemFailures).toEqual([]);
  });

  it('waits with full jitter: random() × min(cap, base × 2^attempt)', async () => {
    let calls = 0;
    const bus = new FakeEventBus((entries) => (++calls <= 4 ? entries.map(() => ({ errorCode: 'ThrottlingException' })) : 'accept-all'));
    const clock = new FakeClock();
    const randoms = [0.5, 0.25, 1 - 2 ** -52, 0.1];
    await relayEvents(
      items(1),
      ports({ publisher: bus, sleep: clock.sleep, remainingTimeMs: clock.remainingTimeMs, random: () => randoms.shift() ?? 0, backoff: { baseDelayMs: 100, maxDelayMs: 300 } }),
    );
    // ceilings 100, 200, 300 (capped from 400), 300 (capped from 800)
    expect(clock.sleeps).toEqual([50, 50, 299, 30]);
    expect(bus.deliveredVersions()).toEqual([1]);
  });

  it('stops retrying at the remaining-time bound and checkpoints at the first unpublished record', async () => {
    const bus = new FakeEventBus((entries) => entries.map((e) => (JSON.parse(e.Detail).aggregateVersion === 2 ? { errorCode: 'ThrottlingException' } : {})));
    const clock = FakeClock.withBudget(10_000);
    const metrics = new FakeMetrics();
    const outcome = await relayEvents(
      items(13),
      ports({
        publisher: bus,
        metrics,
        sleep: clock.sleep,
        remainingTimeMs: clock.remainingTimeMs,
        random: () => 0.99,
        safetyMarginMs: 2_000,
        backoff: { baseDelayMs: 100, maxDelayMs: 1_000 },
      }),
    );
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: '0002' }]);
    expect(outcome.stopped?.reason).toBe('out-of-time');
    // Never slept into the safety margin, and never started the second batch.
    expect(clock.remainingTimeMs()).toBeGreaterThan(2_000);
    expect(clock.sleeps.length).toBeGreaterThan(3);
    expect(bus.calls.flat().some((e) => JSON.parse(e.Detail).aggregateVersion > 10)).toBe(false);
    expect(bus.deliveredVersions()).toEqual([1, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(metrics.sum('EventsFailed')).toBe(0);
  });

  it('checkpoints at the next batch when time runs short between batches, but always tries the first one', async () => {
    const clock = FakeClock.withBudget(500);
    const bus = new FakeEventBus();
    const outcome = await relayEvents(items(15), ports({ publisher: bus, remainingTimeMs: clock.remainingTimeMs, safetyMarginMs: 1_000 }));
    expect(bus.deliveredVersions()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: '0011' }]);
  });

  it('hands a terminal per-entry failure to the sink and still publishes the later events', async () => {
    const bus = new FakeEventBus((entries) =>
      entries.map((e) => (JSON.parse(e.Detail).aggregateVersion === 3 ? { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' } : {})),
    );
    const sink = new FakeFailureSink();
    const metrics = new FakeMetrics();
    const outcome = await relayEvents(items(14), ports({ publisher: bus, failureSink: sink, metrics }));
    expect(sink.recorded.map((r) => ({ id: r.item.itemIdentifier, ...r.failure }))).toEqual([
      { id: '0003', code: 'MalformedDetail', message: 'Detail is malformed.' },
    ]);
    expect(bus.deliveredVersions()).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(bus.calls).toHaveLength(2);
    expect(outcome.batchItemFailures).toEqual([]);
    expect(metrics.sum('EventsFailed')).toBe(1);
    expect(metrics.sum('EventsPublished')).toBe(13);
  });

  it('checkpoints at a record the failure sink could not keep, and attempts nothing after it', async () => {
    const bus = new FakeEventBus((entries) =>
      entries.map((e) => (JSON.parse(e.Detail).aggregateVersion === 4 ? { errorCode: 'NotAuthorizedForSourceException' } : {})),
    );
    const sink = new FakeFailureSink((it) => it.itemIdentifier === '0004');
    const outcome = await relayEvents(items(15), ports({ publisher: bus, failureSink: sink }));
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: '0004' }]);
    expect(outcome.stopped?.reason).toBe('failure-sink-error');
    expect(bus.calls).toHaveLength(1);
  });
});

describe('relayEvents: whole-call failures', () => {
  it('retries a throttled call as a whole', async () => {
    const bus = new FakeEventBus((_entries, call) => {
      if (call === 0) throw new NamedError('ThrottlingException', 'Rate exceeded', { $retryable: { throttling: true } });
      return 'accept-all';
    });
    const metrics = new FakeMetrics();
    const outcome = await relayEvents(items(3), ports({ publisher: bus, metrics }));
    expect(bus.callSizes()).toEqual([3, 3]);
    expect(bus.deliveredVersions()).toEqual([1, 2, 3]);
    expect(metrics.sum('EventsRetried')).toBe(3);
    expect(outcome.batchItemFailures).toEqual([]);
  });

  it('retries network errors and 5xx answers', async () => {
    const failures = [
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      new NamedError('UnknownError', 'Bad Gateway', { $fault: 'server', $metadata: { httpStatusCode: 502 } }),
    ];
    const bus = new FakeEventBus(() => {
      const failure = failures.shift();
      if (failure) throw failure;
      return 'accept-all';
    });
    const outcome = await relayEvents(items(2), ports({ publisher: bus }));
    expect(bus.calls).toHaveLength(3);
    expect(bus.deliveredVersions()).toEqual([1, 2]);
    expect(outcome.batchItemFailures).toEqual([]);
  });

  it('checkpoints at the start of the batch on AccessDenied, without retrying', async () => {
    const bus = new FakeEventBus((_entries, call) => {
      if (call === 1) throw new NamedError('AccessDeniedException', 'not authorized to perform events:PutEvents', { $fault: 'client', $metadata: { httpStatusCode: 400 } });
      return 'accept-all';
    });
    const outcome = await relayEvents(items(25), ports({ publisher: bus }));
    expect(bus.calls).toHaveLength(2);
    expect(bus.deliveredVersions()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: '0011' }]);
    expect(outcome.stopped).toMatchObject({ reason: 'publish-error', itemIdentifier: '0011' });
  });
});

describe('relayEvents: metrics', () => {
  it('reports publish lag from occurredAt, per event', async () => {
    const clock = new FakeClock();
    const metrics = new FakeMetrics();
    await relayEvents(items(2), ports({ publisher: new FakeEventBus(), metrics, now: clock.now }));
    expect(metrics.all('PublishLagMs')).toEqual([1_000, 1_000]);
  });

  it('publishes nothing and calls nobody for an empty batch', async () => {
    const bus = new FakeEventBus();
    const outcome = await relayEvents([], ports({ publisher: bus }));
    expect(bus.calls).toEqual([]);
    expect(outcome.batchItemFailures).toEqual([]);
  });
});

describe('relayEvents: calls in flight at once', () => {
  /** A bus that holds every call until `release()`, to see which calls are in flight together. */
  class GatedBus extends FakeEventBus {
    private waiting: Array<() => void> = [];
    inFlight = 0;
    maxInFlight = 0;
    override async putEvents(entries: Parameters<FakeEventBus['putEvents']>[0]) {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.inFlight--;
      return super.putEvents(entries);
    }
    /** Lets every held call answer, then waits for the relay to send what it sends next. */
    async release(): Promise<number> {
      const held = this.waiting.splice(0);
      held.forEach((resolve) => resolve());
      for (let i = 0; i < 20; i++) await Promise.resolve();
      return held.length;
    }
  }
  const spread = (count: number, aggregates: number) =>
    Array.from({ length: count }, (_, i) => ({ ...item(i + 1, { aggregateId: `thing-${i % aggregates}` }) }));

  it('sends the calls of 100 events over 10 aggregates together, one call per aggregate', async () => {
    const bus = new GatedBus();
    const relaying = relayEvents(spread(100, 10), ports({ publisher: bus, maxConcurrentCalls: 10 }));
    await bus.release();
    expect(bus.maxInFlight).toBe(10);
    while ((await bus.release()) > 0);
    const outcome = await relaying;
    expect(outcome.published).toHaveLength(100);
    expect(bus.calls.map((call) => new Set(call.map((e) => (JSON.parse(e.Detail) as { aggregateId: string }).aggregateId)).size)).toEqual(Array(10).fill(1));
  });

  it('keeps to maxConcurrentCalls, and to one call at a time for one aggregate', async () => {
    const capped = new GatedBus();
    const relaying = relayEvents(spread(100, 100), ports({ publisher: capped, maxConcurrentCalls: 3 }));
    while ((await capped.release()) > 0);
    await relaying;
    expect(capped.maxInFlight).toBe(3);

    const single = new GatedBus();
    const relayingOne = relayEvents(spread(30, 1), ports({ publisher: single, maxConcurrentCalls: 10 }));
    while ((await single.release()) > 0);
    await relayingOne;
    expect(single.maxInFlight).toBe(1);
    expect(single.deliveredVersions()).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('lets the calls in flight finish when one call is refused, and checkpoints at the first unsettled record', async () => {
    // thing-1's call is refused for good; thing-0's and thing-2's calls, in flight with it, still land.
    const bus = new FakeEventBus((entries) => {
      if (entries.some((e) => JSON.parse(e.Detail).aggregateId === 'thing-1')) throw new NamedError('AccessDeniedException', 'no');
      return 'accept-all';
    });
    const outcome = await relayEvents(spread(30, 3), ports({ publisher: bus, maxConcurrentCalls: 3 }));
    expect(bus.calls).toHaveLength(3);
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: '0002' }]);
    expect(outcome.published).toHaveLength(20);
    expect(outcome.published.every((p) => p.envelope?.aggregateId !== 'thing-1')).toBe(true);
  });

  it('refuses a maxConcurrentCalls that is not a positive integer', async () => {
    await expect(relayEvents(items(1), ports({ publisher: new FakeEventBus(), maxConcurrentCalls: 0 }))).rejects.toThrow('maxConcurrentCalls must be an integer ≥ 1, got 0');
  });
});
