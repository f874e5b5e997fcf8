/**
 * The shape of bench/results.json and its rendering as bench/results.md. Pure: the runner measures,
 * this file only judges figures against the targets and formats them.
 */
import type { KnobEffect, Pattern, PatternCost, CostInputs } from './cost';
import { round } from './stats';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  nodeVersion: string;
  platform: string;
  /** `os.loadavg()` (1, 5, 15 min) when the run started and when it ended. */
  loadAverageStart: number[];
  loadAverageEnd: number[];
}

export interface RelayResult {
  /** Process CPU (user + system) of the relay process per event: handler, envelope parsing, SDK serialization, HTTP client. */
  cpuMicrosPerEvent: number;
  eventsPerSecond: number;
  /** Entries per call counted by the stub on the CPU run's full batches of small events (always 10). */
  entriesPerPutEventsFullBatches: number;
  events: number;
  batches: number;
  recordsPerBatch: number;
  putEventsCalls: number;
  /** CPU of the stub endpoint (another process) per event: not part of the relay's figure. */
  stubCpuMicrosPerEvent: number;
  wallSeconds: number;
  /** The same handler with an in-process publisher (no SDK, no HTTP): the relay algorithm's own share. */
  cpuMicrosPerEventWithoutSdk: number;
}

/** Wall time of one mode over the batches of one cell. */
export interface LatencyRun {
  batches: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  maxMs: number;
  /** Records / mean wall time: one shard, one invocation at a time. */
  eventsPerSecond: number;
}

export interface RelayLatencyCell {
  records: number;
  aggregates: number;
  sequential: LatencyRun;
  concurrent: LatencyRun;
  /** sequential.meanMs / concurrent.meanMs */
  speedup: number;
}

export interface RelayLatencyResult {
  /** The distribution asked of the stub, and what it served in this run. */
  stub: { medianMs: number; p99Ms: number; servedP50Ms: number; servedP99Ms: number; servedMeanMs: number; servedCalls: number };
  /** maxConcurrentCalls of the concurrent runs. */
  concurrency: number;
  /**
   * 10 calls that wait for nothing, with no CPU cost: mean sum of 10 served delays (sequential),
   * mean slowest of 10 (concurrent) and their ratio, the most the speedup can be for this distribution.
   */
  ceilingPer100: { sequentialDelayMs: number; concurrentDelayMs: number; speedup: number };
  cells: RelayLatencyCell[];
  /** Mean wall time per batch against maxConcurrentCalls, on one batch size and spread. */
  sweep: { records: number; aggregates: number; runs: Array<LatencyRun & { maxConcurrentCalls: number }> };
  /** 100 records over 10 aggregates, mean wall time per batch. */
  sequentialMsPer100: number;
  concurrentMsPer100: number;
  speedup: number;
  /** The same ratio with 100 records of one aggregate. */
  speedupOneAggregate: number;
}

export interface BatchFillResult {
  windows: number;
  records: number;
  calls: number;
  /** Sum over windows of a lower bound of the fewest calls (bench/batch-fill.ts `minimumCalls`). */
  minimumCalls: number;
  entriesPerPutEvents: number;
  /** calls / minimumCalls: at least the true ratio to the fewest calls. */
  callsOverMinimum: number;
  /** Entries per call over the windows of fewer than 10 records only. */
  entriesPerPutEventsSmallWindows: number;
  mix: { windows: string; aggregates: string; sizes: string };
}

export interface CommandPathResult {
  outboxP50Ms: number;
  naiveP50Ms: number;
  /** outboxP50Ms / naiveP50Ms */
  ratio: number;
  outboxP90Ms: number;
  naiveP90Ms: number;
  /** Samples per variant (the two alternate). */
  n: number;
  outboxSamplesMs: number[];
  naiveSamplesMs: number[];
}

export interface BundleResult {
  bytes: number;
  coldInitMs: number;
  coldInitSamplesMs: number[];
  /** The largest contributors to the bundle (esbuild metafile, bytes in output), biggest first. */
  largestInputs: Array<{ name: string; bytes: number }>;
}

export interface EndToEndResult {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  n: number;
  minMs: number;
  maxMs: number;
  lost: number;
  pollMs: number;
  samplesMs: number[];
}

/** Cost per million business events, with what it was computed from. */
export interface CostResult {
  prices: { region: string; asOf: string; sources: Record<string, string>; quotedBy: Record<string, string> };
  inputs: CostInputs;
  /** Where each input of this run comes from. */
  inputSources: Record<string, string>;
  patterns: Record<Pattern, PatternCost>;
  knobs: KnobEffect[];
}

export interface BenchResults {
  generatedAt: string;
  machine: MachineInfo;
  relay?: RelayResult & { batchFill?: BatchFillResult; entriesPerPutEvents?: number; callsOverMinimum?: number };
  relayLatency?: RelayLatencyResult;
  cost?: Partial<Record<Pattern, { usdPerMillion: number }>> & { detail?: CostResult };
  commandPath?: CommandPathResult;
  bundles?: Record<string, BundleResult>;
  endToEnd?: EndToEndResult;
  /** Sections that failed, with why: the other sections still report. */
  errors: Record<string, string>;
}

export const TARGETS = {
  relayCpuMicrosPerEvent: 20,
  callsOverMinimum: 1.05,
  commandPathRatio: 0.6,
  relaySpeedup: 5,
  relaySpeedupOneAggregate: 0.95,
} as const;

export type Verdict = 'met' | 'not met' | 'no target' | 'no data';

export interface ReportRow {
  figure: string;
  value: string;
  target: string;
  verdict: Verdict;
  note: string;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function num(value: number, digits = 2): string {
  return String(round(value, digits));
}

/** Where a bundle's bytes come from, from its source map. */
export function explainBundle(bundle: BundleResult): string {
  const top = bundle.largestInputs
    .slice(0, 4)
    .map((input) => `${input.name} ${kib(input.bytes)}`)
    .join(', ');
  return `largest inputs: ${top}`;
}

export function reportRows(results: BenchResults): ReportRow[] {
  const rows: ReportRow[] = [];
  const { relay, commandPath, bundles, endToEnd } = results;
  if (relay === undefined) {
    rows.push({ figure: 'relay', value: '—', target: '', verdict: 'no data', note: results.errors.relay ?? 'not run' });
  } else {
    rows.push({
      figure: 'relay.cpuMicrosPerEvent',
      value: `${num(relay.cpuMicrosPerEvent, 1)} µs`,
      target: `≤ ${TARGETS.relayCpuMicrosPerEvent} µs`,
      verdict: relay.cpuMicrosPerEvent <= TARGETS.relayCpuMicrosPerEvent ? 'met' : 'not met',
      note:
        `relay process only (handler + Powertools logs/metrics + SDK serialization, SigV4 signing, HTTP client); ` +
        `${num(relay.cpuMicrosPerEventWithoutSdk, 1)} µs/event of it without the SDK (in-process publisher); ` +
        `the stub's own CPU, in its own process, was ${num(relay.stubCpuMicrosPerEvent, 1)} µs/event`,
    });
    rows.push({
      figure: 'relay.eventsPerSecond',
      value: num(relay.eventsPerSecond, 0),
      target: '',
      verdict: 'no target',
      note: `${relay.events} events in ${relay.batches} batches of ${relay.recordsPerBatch}, one invocation at a time, ${num(relay.wallSeconds, 2)} s wall`,
    });
    if (relay.batchFill !== undefined) {
      const fill = relay.batchFill;
      rows.push({
        figure: 'relay.entriesPerPutEvents',
        value: num(fill.entriesPerPutEvents, 2),
        target: '',
        verdict: 'no target',
        note:
          `${fill.records} events in ${fill.windows} seeded windows (${fill.mix.windows}; ${fill.mix.sizes}; ${fill.mix.aggregates}): ${fill.calls} calls; ` +
          `${num(fill.entriesPerPutEventsSmallWindows, 2)} in the windows of fewer than 10 records; ` +
          `${num(relay.entriesPerPutEventsFullBatches, 2)} on the CPU run's full batches of small events (${relay.putEventsCalls} calls counted by the stub)`,
      });
      rows.push({
        figure: 'relay.callsOverMinimum',
        value: num(fill.callsOverMinimum, 4),
        target: `≤ ${TARGETS.callsOverMinimum}`,
        verdict: fill.callsOverMinimum <= TARGETS.callsOverMinimum ? 'met' : 'not met',
        note: `${fill.calls} calls made / ${fill.minimumCalls}, a lower bound of the fewest calls the same windows allow (per window: max of ⌈records / 10⌉, ⌈bytes / 256 KB⌉ and entries over 128 KB), so the true ratio is at most this`,
      });
    }
  }
  const latency = results.relayLatency;
  if (latency === undefined) {
    rows.push({ figure: 'relayLatency', value: '—', target: '', verdict: 'no data', note: results.errors.relayLatency ?? 'not run' });
  } else {
    const stub = `PutEvents stub: log-normal, median ${latency.stub.medianMs} ms, p99 ${latency.stub.p99Ms} ms (served: p50 ${num(latency.stub.servedP50Ms, 1)} ms, p99 ${num(latency.stub.servedP99Ms, 1)} ms over ${latency.stub.servedCalls} calls)`;
    rows.push({ figure: 'relayLatency.sequentialMsPer100', value: `${num(latency.sequentialMsPer100, 1)} ms`, target: '', verdict: 'no target', note: `mean wall time of a batch of 100 records over 10 aggregates, one call at a time; ${stub}` });
    rows.push({ figure: 'relayLatency.concurrentMsPer100', value: `${num(latency.concurrentMsPer100, 1)} ms`, target: '', verdict: 'no target', note: `the same batches, up to ${latency.concurrency} calls in flight` });
    rows.push({
      figure: 'relayLatency.speedup',
      value: `${num(latency.speedup, 2)}×`,
      target: `≥ ${TARGETS.relaySpeedup}×`,
      verdict: latency.speedup >= TARGETS.relaySpeedup ? 'met' : 'not met',
      note: 'sequentialMsPer100 / concurrentMsPer100',
    });
    rows.push({
      figure: 'relayLatency.speedupOneAggregate',
      value: `${num(latency.speedupOneAggregate, 3)}×`,
      target: `≥ ${TARGETS.relaySpeedupOneAggregate}×`,
      verdict: latency.speedupOneAggregate >= TARGETS.relaySpeedupOneAggregate ? 'met' : 'not met',
      note: 'the same ratio for 100 records of one aggregate (its calls go one after another either way)',
    });
  }
  const cost = results.cost?.detail;
  if (cost === undefined) {
    rows.push({ figure: 'cost', value: '—', target: '', verdict: 'no data', note: results.errors.cost ?? 'needs relayLatency' });
  } else {
    for (const [pattern, patternCost] of Object.entries(cost.patterns)) {
      rows.push({
        figure: `cost.${pattern}.usdPerMillion`,
        value: `$${num(patternCost.usdPerMillion, 2)}`,
        target: '',
        verdict: 'no target',
        note: `per million business events, ${cost.prices.region} prices as of ${cost.prices.asOf} (docs/scale-model.md)`,
      });
    }
  }
  if (commandPath === undefined) {
    rows.push({ figure: 'commandPath', value: '—', target: '', verdict: 'no data', note: results.errors.commandPath ?? 'not run' });
  } else {
    rows.push({
      figure: 'commandPath.outboxP50Ms',
      value: `${num(commandPath.outboxP50Ms)} ms`,
      target: '',
      verdict: 'no target',
      note: `one TransactWriteItems (order + outbox item); p90 ${num(commandPath.outboxP90Ms)} ms; n=${commandPath.n}`,
    });
    rows.push({
      figure: 'commandPath.naiveP50Ms',
      value: `${num(commandPath.naiveP50Ms)} ms`,
      target: '',
      verdict: 'no target',
      note: `PutItem then PutEvents (bus with 2 rules + archive); p90 ${num(commandPath.naiveP90Ms)} ms; n=${commandPath.n}`,
    });
    rows.push({
      figure: 'commandPath.ratio',
      value: `${num(commandPath.ratio, 3)}×`,
      target: `≤ ${TARGETS.commandPathRatio}×`,
      verdict: commandPath.ratio <= TARGETS.commandPathRatio ? 'met' : 'not met',
      note: 'outbox p50 / naive p50, same emulator, alternating requests',
    });
  }
  if (bundles === undefined) {
    rows.push({ figure: 'bundles', value: '—', target: '', verdict: 'no data', note: results.errors.bundles ?? 'not run' });
  } else {
    for (const [name, bundle] of Object.entries(bundles)) {
      rows.push({
        figure: `bundles.${name}.bytes`,
        value: `${bundle.bytes} (${kib(bundle.bytes)})`,
        target: '',
        verdict: 'no target',
        note: explainBundle(bundle),
      });
      rows.push({
        figure: `bundles.${name}.coldInitMs`,
        value: `${num(bundle.coldInitMs, 1)} ms`,
        target: '',
        verdict: 'no target',
        note: `median of ${bundle.coldInitSamplesMs.length} require()s, each in a fresh node process`,
      });
    }
  }
  if (endToEnd === undefined) {
    rows.push({ figure: 'endToEnd', value: '—', target: '', verdict: 'no data', note: results.errors.endToEnd ?? 'not run' });
  } else {
    const note = `201 → OrderPlaced in the timeline on the local runtime, polled every ${endToEnd.pollMs} ms; lost ${endToEnd.lost}`;
    rows.push({ figure: 'endToEnd.p50Ms', value: `${num(endToEnd.p50Ms, 0)} ms`, target: '', verdict: 'no target', note });
    rows.push({ figure: 'endToEnd.p90Ms', value: `${num(endToEnd.p90Ms, 0)} ms`, target: '', verdict: 'no target', note: '' });
    rows.push({ figure: 'endToEnd.p99Ms', value: `${num(endToEnd.p99Ms, 0)} ms`, target: '', verdict: 'no target', note: '' });
    rows.push({ figure: 'endToEnd.n', value: String(endToEnd.n), target: '≥ 100', verdict: endToEnd.n >= 100 ? 'met' : 'not met', note: '' });
  }
  return rows;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export const CHART_FILES = {
  endToEnd: 'charts/end-to-end.svg',
  commandPath: 'charts/command-path.svg',
  bundles: 'charts/bundles.svg',
} as const;

/** bench/results.md: machine and load, one row per figure with its target and verdict, the charts. */
export function renderResultsMarkdown(results: BenchResults, explanations: Record<string, string> = {}): string {
  const { machine } = results;
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(' / ');
  const lines = [
    '# Benchmark results',
    '',
    `Generated ${results.generatedAt} by \`npm run bench\` on ${machine.cpus} × ${machine.cpuModel}, Node ${machine.nodeVersion} (${machine.platform}).`,
    `Load average (1 / 5 / 15 min): ${load(machine.loadAverageStart)} at the start, ${load(machine.loadAverageEnd)} at the end.`,
    'Figures are compared within this one run (ratios, distributions); absolute times depend on the machine and its load.',
    '',
    '| figure | value | target | verdict | note |',
    '|---|---|---|---|---|',
    ...reportRows(results).map((row) => `| \`${cell(row.figure)}\` | ${cell(row.value)} | ${cell(row.target)} | ${row.verdict} | ${cell(row.note)} |`),
    '',
  ];
  const explained = Object.entries(explanations);
  if (explained.length > 0) {
    lines.push('## Targets not met, explained', '');
    for (const [figure, text] of explained) lines.push(`- \`${figure}\`: ${text}`);
    lines.push('');
  }
  const errors = Object.entries(results.errors);
  if (errors.length > 0) {
    lines.push('## Sections that failed', '');
    for (const [section, message] of errors) lines.push(`- ${section}: ${cell(message)}`);
    lines.push('');
  }
  if (results.relayLatency) lines.push(...relayLatencyTables(results.relayLatency));
  if (results.cost?.detail) lines.push(...costTables(results.cost.detail));
  lines.push('## Charts', '');
  if (results.endToEnd) lines.push(`![end to end latency](${CHART_FILES.endToEnd})`, '');
  if (results.commandPath) lines.push(`![command path: outbox vs naive](${CHART_FILES.commandPath})`, '');
  if (results.bundles) lines.push(`![bundle sizes](${CHART_FILES.bundles})`, '');
  return lines.join('\n');
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** Sequential against concurrent per batch size and spread, then the sweep of calls in flight. */
export function relayLatencyTables(latency: RelayLatencyResult): string[] {
  const lines = [
    '## Relay at AWS speed: sequential against concurrent',
    '',
    `The real relay handler and SDK client against the PutEvents stub (log-normal delays, median ${latency.stub.medianMs} ms, p99 ${latency.stub.p99Ms} ms; ` +
      `served in this run: p50 ${ms(latency.stub.servedP50Ms)}, p99 ${ms(latency.stub.servedP99Ms)}, mean ${ms(latency.stub.servedMeanMs)}, ${latency.stub.servedCalls} calls). ` +
      `Sequential = 1 call in flight, concurrent = ${latency.concurrency}; both publish the same batches, taking turns, and meet the same delays. ` +
      'Records are dealt round-robin over the aggregates. Wall time is per batch (one invocation); events/s is per shard (one invocation at a time).',
    '',
    '| records | aggregates | sequential mean (p50) | concurrent mean (p50) | speedup | sequential events/s | concurrent events/s | batches |',
    '|---|---|---|---|---|---|---|---|',
    ...latency.cells.map(
      (c) =>
        `| ${c.records} | ${c.aggregates} | ${ms(c.sequential.meanMs)} (${ms(c.sequential.p50Ms)}) | ${ms(c.concurrent.meanMs)} (${ms(c.concurrent.p50Ms)}) | ` +
        `${c.speedup.toFixed(2)}× | ${c.sequential.eventsPerSecond.toFixed(0)} | ${c.concurrent.eventsPerSecond.toFixed(0)} | ${c.sequential.batches} |`,
    ),
    '',
    `Ceiling for 10 independent calls with no CPU cost, resampled from this run's delays: ${ms(latency.ceilingPer100.sequentialDelayMs)} in a row ` +
      `against ${ms(latency.ceilingPer100.concurrentDelayMs)} at once, ${latency.ceilingPer100.speedup.toFixed(2)}×.`,
    '',
    `### Calls in flight (${latency.sweep.records} records over ${latency.sweep.aggregates} aggregates)`,
    '',
    '| maxConcurrentCalls | mean wall time | p50 | p90 | events/s | batches |',
    '|---|---|---|---|---|---|',
    ...latency.sweep.runs.map(
      (run) => `| ${run.maxConcurrentCalls} | ${ms(run.meanMs)} | ${ms(run.p50Ms)} | ${ms(run.p90Ms)} | ${run.eventsPerSecond.toFixed(0)} | ${run.batches} |`,
    ),
    '',
  ];
  return lines;
}

/** Totals per pattern, each pattern's lines, the knobs, the prices and the inputs. */
export function costTables(cost: CostResult): string[] {
  const patterns = Object.entries(cost.patterns);
  const lines = [
    '## Cost per million business events',
    '',
    `On-demand prices of ${cost.prices.region}, from AWS's public pricing pages as quoted up to ${cost.prices.asOf} (docs/scale-model.md lists each price, page and quotation); ` +
      'free tiers left out. A business event: one command, one event, one idempotent consumer.',
    '',
    '| pattern | USD per million |',
    '|---|---|',
    ...patterns.map(([pattern, p]) => `| ${pattern} | ${p.usdPerMillion.toFixed(2)} |`),
    '',
    '| pattern | line | units per event | USD per million |',
    '|---|---|---|---|',
    ...patterns.flatMap(([pattern, p]) => p.lines.map((l) => `| ${pattern} | ${cell(l.item)} | ${round(l.unitsPerEvent, 6)} | ${l.usdPerMillion.toFixed(4)} |`)),
    '',
    '| knob (outbox) | USD per million | change |',
    '|---|---|---|',
    ...cost.knobs.map((k) => `| ${cell(k.knob)} | ${k.usdPerMillion.toFixed(4)} | ${k.deltaUsdPerMillion >= 0 ? '+' : ''}${k.deltaUsdPerMillion.toFixed(4)} |`),
    '',
    'Inputs: ' + Object.entries(cost.inputSources).map(([name, source]) => `\`${name}\` ${cell(source)}`).join('; ') + '.',
    '',
  ];
  return lines;
}
