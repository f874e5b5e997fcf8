import { describe, expect, it } from '@jest/globals';
import { costResult } from '../../../bench/cost';
import { renderResultsMarkdown, reportRows, type BenchResults, type LatencyRun, type RelayLatencyResult } from '../../../bench/lib/results';

const base: BenchResults = {
  generatedAt: '2026-01-01T00:00:00.000Z',
  machine: { cpus: 2, cpuModel: 'Test CPU', nodeVersion: 'v20.0.0', platform: 'linux-x64', loadAverageStart: [1, 1, 1], loadAverageEnd: [2, 2, 2] },
  errors: {},
};

const run = (meanMs: number, records: number): LatencyRun => ({ batches: 10, meanMs, p50Ms: meanMs, p90Ms: meanMs, maxMs: meanMs, eventsPerSecond: records / (meanMs / 1000) });
const cellOf = (records: number, aggregates: number, sequentialMs: number, concurrentMs: number) => ({
  records,
  aggregates,
  sequential: run(sequentialMs, records),
  concurrent: run(concurrentMs, records),
  speedup: sequentialMs / concurrentMs,
});
const relayLatency: RelayLatencyResult = {
  stub: { medianMs: 25, p99Ms: 80, servedP50Ms: 25, servedP99Ms: 80, servedMeanMs: 28, servedCalls: 1000 },
  concurrency: 10,
  ceilingPer100: { sequentialDelayMs: 283, concurrentDelayMs: 54, speedup: 5.24 },
  cells: [cellOf(10, 10, 30, 30), cellOf(100, 1, 300, 302), cellOf(100, 10, 300, 75), cellOf(100, 100, 300, 70)],
  sweep: { records: 100, aggregates: 100, runs: [{ maxConcurrentCalls: 1, ...run(300, 100) }, { maxConcurrentCalls: 10, ...run(70, 100) }] },
  sequentialMsPer100: 300,
  concurrentMsPer100: 75,
  speedup: 4,
  speedupOneAggregate: 300 / 302,
};
const cost = costResult(relayLatency);

const full: BenchResults = {
  ...base,
  relay: {
    cpuMicrosPerEvent: 140,
    eventsPerSecond: 5000,
    entriesPerPutEventsFullBatches: 10,
    events: 30000,
    batches: 300,
    recordsPerBatch: 100,
    putEventsCalls: 3000,
    stubCpuMicrosPerEvent: 20,
    wallSeconds: 6,
    cpuMicrosPerEventWithoutSdk: 19,
    entriesPerPutEvents: 9.2,
    callsOverMinimum: 1.002,
    batchFill: {
      windows: 10,
      records: 460,
      calls: 50,
      minimumCalls: 49,
      entriesPerPutEvents: 9.2,
      callsOverMinimum: 1.02,
      entriesPerPutEventsSmallWindows: 4.5,
      mix: { windows: 'few', aggregates: 'some', sizes: 'varied' },
    },
  },
  commandPath: { outboxP50Ms: 7, naiveP50Ms: 14, ratio: 0.5, outboxP90Ms: 9, naiveP90Ms: 16, n: 200, outboxSamplesMs: [7], naiveSamplesMs: [14] },
  bundles: {
    RelayFunction: { bytes: 100_000, coldInitMs: 100, coldInitSamplesMs: [100], largestInputs: [] },
    ApiFunction: { bytes: 600_000, coldInitMs: 300, coldInitSamplesMs: [300], largestInputs: [{ name: 'zod', bytes: 450_000 }] },
  },
  endToEnd: { p50Ms: 500, p90Ms: 700, p99Ms: 900, n: 100, minMs: 400, maxMs: 950, lost: 0, pollMs: 10, samplesMs: [500] },
  relayLatency,
  cost: { outbox: { usdPerMillion: cost.patterns.outbox.usdPerMillion }, detail: cost },
};

describe('reportRows', () => {
  it('judges every figure with a target', () => {
    const verdicts = Object.fromEntries(reportRows(full).map((row) => [row.figure, row.verdict]));
    expect(verdicts).toMatchObject({
      'relay.cpuMicrosPerEvent': 'not met',
      'relay.entriesPerPutEvents': 'no target',
      'relay.callsOverMinimum': 'met',
      'relayLatency.speedup': 'not met',
      'relayLatency.speedupOneAggregate': 'met',
      'cost.outbox.usdPerMillion': 'no target',
      'commandPath.ratio': 'met',
      'bundles.RelayFunction.bytes': 'no target',
      'bundles.ApiFunction.bytes': 'no target',
      'bundles.ApiFunction.coldInitMs': 'no target',
      'endToEnd.n': 'met',
      'endToEnd.p50Ms': 'no target',
    });
  });

  it('names where a bundle\'s bytes come from', () => {
    const row = reportRows(full).find((candidate) => candidate.figure === 'bundles.ApiFunction.bytes');
    expect(row?.note).toContain('zod');
  });

  it('reports a failed section with its error instead of figures', () => {
    const rows = reportRows({ ...base, errors: { relay: 'stub did not start' } });
    expect(rows.find((row) => row.figure === 'relay')).toMatchObject({ verdict: 'no data', note: 'stub did not start' });
  });
});

describe('renderResultsMarkdown', () => {
  it('renders the machine, one table row per figure, explanations and charts', () => {
    const markdown = renderResultsMarkdown(full, { 'relay.cpuMicrosPerEvent': 'the SDK | costs' });
    expect(markdown).toContain('2 × Test CPU');
    expect(markdown).toContain('1.00 / 1.00 / 1.00 at the start, 2.00 / 2.00 / 2.00 at the end');
    const tableRows = markdown.split('\n').filter((line) => line.startsWith('| `'));
    expect(tableRows).toHaveLength(reportRows(full).length);
    expect(markdown).toContain('## Targets not met, explained');
    expect(markdown).toContain('![bundle sizes](charts/bundles.svg)');
    expect(markdown).toContain('![end to end latency](charts/end-to-end.svg)');
  });

  it('renders the sequential against concurrent table, the sweep and the cost tables', () => {
    const markdown = renderResultsMarkdown(full);
    expect(markdown).toContain('| 100 | 10 | 300.0 ms (300.0 ms) | 75.0 ms (75.0 ms) | 4.00× | 333 | 1333 | 10 |');
    expect(markdown).toContain('| 10 | 70.0 ms | 70.0 ms | 70.0 ms | 1429 | 10 |');
    expect(markdown).toContain('## Cost per million business events');
    expect(markdown).toContain(`| outbox | ${cost.patterns.outbox.usdPerMillion.toFixed(2)} |`);
    expect(markdown).toContain('consumerMsPerEvent` ASSUMED, not measured');
  });

  it('lists failed sections and draws no chart for them', () => {
    const markdown = renderResultsMarkdown({ ...base, errors: { endToEnd: 'runtime did not start' } });
    expect(markdown).toContain('## Sections that failed');
    expect(markdown).toContain('- endToEnd: runtime did not start');
    expect(markdown).not.toContain('charts/end-to-end.svg');
  });
});
