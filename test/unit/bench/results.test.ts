import { describe, expect, it } from '@jest/globals';
import { renderResultsMarkdown, reportRows, type BenchResults } from '../../../bench/lib/results';

const base: BenchResults = {
  generatedAt: '2026-01-01T00:00:00.000Z',
  machine: { cpus: 2, cpuModel: 'Test CPU', nodeVersion: 'v20.0.0', platform: 'linux-x64', loadAverageStart: [1, 1, 1], loadAverageEnd: [2, 2, 2] },
  errors: {},
};

const full: BenchResults = {
  ...base,
  relay: {
    cpuMicrosPerEvent: 140,
    eventsPerSecond: 5000,
    entriesPerPutEvents: 10,
    events: 30000,
    batches: 300,
    recordsPerBatch: 100,
    putEventsCalls: 3000,
    stubCpuMicrosPerEvent: 20,
    wallSeconds: 6,
    cpuMicrosPerEventWithoutSdk: 19,
  },
  commandPath: { outboxP50Ms: 7, naiveP50Ms: 14, ratio: 0.5, outboxP90Ms: 9, naiveP90Ms: 16, n: 200, outboxSamplesMs: [7], naiveSamplesMs: [14] },
  bundles: {
    RelayFunction: { bytes: 100_000, coldInitMs: 100, coldInitSamplesMs: [100], largestInputs: [] },
    ApiFunction: { bytes: 600_000, coldInitMs: 300, coldInitSamplesMs: [300], largestInputs: [{ name: 'zod', bytes: 450_000 }] },
  },
  endToEnd: { p50Ms: 500, p90Ms: 700, p99Ms: 900, n: 100, minMs: 400, maxMs: 950, lost: 0, pollMs: 10, samplesMs: [500] },
};

describe('reportRows', () => {
  it('judges every figure with a target', () => {
    const verdicts = Object.fromEntries(reportRows(full).map((row) => [row.figure, row.verdict]));
    expect(verdicts).toMatchObject({
      'relay.cpuMicrosPerEvent': 'not met',
      'relay.entriesPerPutEvents': 'met',
      'commandPath.ratio': 'met',
      'bundles.RelayFunction.bytes': 'met',
      'bundles.ApiFunction.bytes': 'not met',
      'endToEnd.n': 'met',
      'endToEnd.p50Ms': 'no target',
    });
  });

  it('names what makes an over-budget bundle large', () => {
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

  it('lists failed sections and draws no chart for them', () => {
    const markdown = renderResultsMarkdown({ ...base, errors: { endToEnd: 'runtime did not start' } });
    expect(markdown).toContain('## Sections that failed');
    expect(markdown).toContain('- endToEnd: runtime did not start');
    expect(markdown).not.toContain('charts/end-to-end.svg');
  });
});
