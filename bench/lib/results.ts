/**
 * The shape of bench/results.json and its rendering as bench/results.md. Pure: the runner measures,
 * this file only judges figures against the targets and formats them.
 */
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
  entriesPerPutEvents: number;
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

export interface BenchResults {
  generatedAt: string;
  machine: MachineInfo;
  relay?: RelayResult;
  commandPath?: CommandPathResult;
  bundles?: Record<string, BundleResult>;
  endToEnd?: EndToEndResult;
  /** Sections that failed, with why: the other sections still report. */
  errors: Record<string, string>;
}

export const TARGETS = {
  relayCpuMicrosPerEvent: 20,
  entriesPerPutEvents: 9.5,
  commandPathRatio: 0.6,
  bundleBytes: 150 * 1024,
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

/** Why a bundle is over budget, from its metafile breakdown. */
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
    rows.push({
      figure: 'relay.entriesPerPutEvents',
      value: num(relay.entriesPerPutEvents, 2),
      target: `≥ ${TARGETS.entriesPerPutEvents}`,
      verdict: relay.entriesPerPutEvents >= TARGETS.entriesPerPutEvents ? 'met' : 'not met',
      note: `${relay.putEventsCalls} PutEvents calls counted by the stub`,
    });
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
      const met = bundle.bytes <= TARGETS.bundleBytes;
      rows.push({
        figure: `bundles.${name}.bytes`,
        value: `${bundle.bytes} (${kib(bundle.bytes)})`,
        target: `≤ ${kib(TARGETS.bundleBytes)}`,
        verdict: met ? 'met' : 'not met',
        note: met ? '' : explainBundle(bundle),
      });
      rows.push({
        figure: `bundles.${name}.coldInitMs`,
        value: `${num(bundle.coldInitMs, 1)} ms`,
        target: '',
        verdict: 'no target',
        note: `median require() time in a fresh node, ${bundle.coldInitSamplesMs.length} runs`,
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
  lines.push('## Charts', '');
  if (results.endToEnd) lines.push(`![end to end latency](${CHART_FILES.endToEnd})`, '');
  if (results.commandPath) lines.push(`![command path: outbox vs naive](${CHART_FILES.commandPath})`, '');
  if (results.bundles) lines.push(`![bundle sizes](${CHART_FILES.bundles})`, '');
  return lines.join('\n');
}
