/**
 * `npm run bench`: every benchmark of issue 5 in one run, then bench/results.json, bench/results.md
 * and the SVG charts in bench/charts/. A section that fails is reported as failed; the others still
 * report (a working subset over a broken whole). Progress on stderr.
 *
 *   npm run bench [-- --progress] [--only relay,relayLatency,commandPath,bundles,endToEnd] [--orders 100] [--samples 200]
 *
 * Load: the relay and bundle sections use one core each at a time; the command path and end-to-end
 * sections run one request at a time against the single-threaded emulator. Figures that matter are
 * ratios and distributions within this run; results.md records the load average before and after.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RuntimeLog } from '../local/log';
import { ProgressBar } from '../tools/lib/progress';
import { runBundleBench } from './bundles';
import { runCommandPathBench } from './command-path';
import { barChart, cdfChart, histogramChart } from './lib/svg';
import { CHART_FILES, renderResultsMarkdown, TARGETS, type BenchResults } from './lib/results';
import { distribution, histogram } from './lib/stats';
import { measureOrderToTimelineLatency } from './order-to-timeline-latency';
import { runBatchFillBench } from './batch-fill';
import { costResult } from './cost';
import { runRelayBench } from './relay';
import { runRelayLatencyBench } from './relay-latency';

type Section = 'relay' | 'relayLatency' | 'commandPath' | 'bundles' | 'endToEnd';
const SECTIONS: Section[] = ['bundles', 'relay', 'relayLatency', 'commandPath', 'endToEnd'];

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

function positiveInteger(name: string, fallback: number): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer, got "${raw}"`);
  return value;
}

const quietRuntimeLog: RuntimeLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message) => process.stderr.write(`\nlocal runtime: ${message}\n`),
  error: (message) => process.stderr.write(`\nlocal runtime: ${message}\n`),
  functionOutput: () => undefined,
};

/** Why each missed target is missed, with the numbers of this run. */
function explanations(results: BenchResults): Record<string, string> {
  const out: Record<string, string> = {};
  const { relay, commandPath } = results;
  if (relay && relay.cpuMicrosPerEvent > TARGETS.relayCpuMicrosPerEvent) {
    const sdk = relay.cpuMicrosPerEvent - relay.cpuMicrosPerEventWithoutSdk;
    out['relay.cpuMicrosPerEvent'] =
      `the relay's own work (stream record unmarshalling, envelope validation, batch planning, settling, Powertools logs and metrics) ` +
      `costs ${relay.cpuMicrosPerEventWithoutSdk.toFixed(1)} µs/event${relay.cpuMicrosPerEventWithoutSdk <= TARGETS.relayCpuMicrosPerEvent ? ' (within the target)' : ' (over the target by itself too; the load average above says how busy the machine was)'}; ` +
      `the other ${sdk.toFixed(1)} µs/event (${((sdk * relay.entriesPerPutEventsFullBatches) / 1000).toFixed(2)} ms per PutEvents call of ${relay.entriesPerPutEventsFullBatches.toFixed(0)} entries) ` +
      `is @aws-sdk/client-eventbridge: middleware stack, JSON serialization, SigV4 signing and the HTTP round trip on Node. ` +
      `It is paid per call, so it is already divided by 10; on Lambda it is billed as duration, and at ${relay.eventsPerSecond.toFixed(0)} events/s ` +
      `per relay instance, one partition's ≤ 250 outbox events/s (docs/scale-model.md §5) needs ${((250 / relay.eventsPerSecond) * 100).toFixed(0)}% of one core.`;
  }
  if (commandPath && commandPath.ratio > TARGETS.commandPathRatio) {
    out['commandPath.ratio'] =
      `on the emulator a TransactWriteItems costs ${commandPath.outboxP50Ms.toFixed(1)} ms against ${commandPath.naiveP50Ms.toFixed(1)} ms for PutItem + PutEvents; ` +
      'what the emulator prices is its own CPU per request (moto, one request at a time, parsing condition expressions and writing stream ' +
      'records for the transaction; fanning the event out to the rules\' targets and the archive inside PutEvents for the naive path), ' +
      'not the network round trips that dominate on AWS, where the transaction is one round trip and the naive path two in sequence. ' +
      'The ratio sits near the target on this machine: rerun `npx tsx bench/command-path.ts` to see its spread.';
  }
  const latency = results.relayLatency;
  if (latency && latency.speedup < TARGETS.relaySpeedup) {
    const cell = latency.cells.find((c) => c.records === 100 && c.aggregates === 10)!;
    const ceiling = latency.ceilingPer100;
    out['relayLatency.speedup'] =
      `100 records over 10 aggregates are planned as 10 calls, one per aggregate, that wait for nothing, so the concurrent relay makes them all at once: ` +
      `the batch lasts as long as the slowest of 10 round trips, the sequential one as long as all 10. With this run's delays that is ` +
      `${ceiling.concurrentDelayMs.toFixed(1)} ms against ${ceiling.sequentialDelayMs.toFixed(1)} ms: a ceiling of ${ceiling.speedup.toFixed(2)}× ` +
      `for any relay that keeps each aggregate's calls in order (the 10 events of an aggregate need ≥ 1 call, and 100 entries need ≥ 10 calls). ` +
      `On top of the delays each batch spent ${(cell.sequential.meanMs - ceiling.sequentialDelayMs).toFixed(0)} ms (sequential) and ` +
      `${(cell.concurrent.meanMs - ceiling.concurrentDelayMs).toFixed(0)} ms (concurrent) of the relay's own time (SDK serialization and signing, ` +
      `HTTP, the handler), which the load average above (2 cores shared) stretches; the same fixed cost over a shorter wall time pulls the ratio below the ceiling. ` +
      'Meeting 5× would need the ceiling itself above 5 (a narrower latency distribution) and the CPU cost near zero; it is not met.';
  }
  if (latency && latency.speedupOneAggregate < TARGETS.relaySpeedupOneAggregate) {
    out['relayLatency.speedupOneAggregate'] =
      `one aggregate's 10 calls go one after another in both modes, so the ratio is the concurrent code's own overhead plus noise: ` +
      `${latency.cells.find((c) => c.records === 100 && c.aggregates === 1)?.concurrent.meanMs.toFixed(1)} ms against ` +
      `${latency.cells.find((c) => c.records === 100 && c.aggregates === 1)?.sequential.meanMs.toFixed(1)} ms sequential.`;
  }
  const fill = relay?.batchFill;
  if (fill && fill.callsOverMinimum > TARGETS.callsOverMinimum) {
    out['relay.callsOverMinimum'] = `${fill.calls} calls against a lower bound of ${fill.minimumCalls}: first-fit packing per window leaves room in calls that large entries could not share.`;
  }
  return out;
}

function writeCharts(results: BenchResults, benchDir: string): void {
  mkdirSync(path.join(benchDir, 'charts'), { recursive: true });
  if (results.endToEnd) {
    const samples = results.endToEnd.samplesMs;
    const d = distribution(samples);
    writeFileSync(
      path.join(benchDir, CHART_FILES.endToEnd),
      histogramChart({
        title: `API 201 → OrderPlaced in the timeline, local runtime (n=${d.n})`,
        unit: 'ms',
        bins: histogram(samples, 20),
        markers: [
          { label: 'p50', value: d.p50 },
          { label: 'p90', value: d.p90 },
          { label: 'p99', value: d.p99 },
        ],
      }),
    );
  }
  if (results.commandPath) {
    writeFileSync(
      path.join(benchDir, CHART_FILES.commandPath),
      cdfChart({
        title: `Command latency: outbox vs naive dual write (ratio of p50s ${results.commandPath.ratio.toFixed(2)})`,
        unit: 'ms',
        series: [
          { name: 'outbox: TransactWriteItems', values: results.commandPath.outboxSamplesMs },
          { name: 'naive: PutItem + PutEvents', values: results.commandPath.naiveSamplesMs },
        ],
      }),
    );
  }
  if (results.bundles) {
    writeFileSync(
      path.join(benchDir, CHART_FILES.bundles),
      barChart({
        title: 'Bundle size per function (index.js)',
        unit: 'KiB',
        bars: Object.entries(results.bundles).map(([name, bundle]) => ({ label: name.replace(/Function$/, ''), value: bundle.bytes / 1024 })),
      }),
    );
  }
}

async function main(): Promise<void> {
  const only = option('only');
  const sections = only === undefined ? SECTIONS : SECTIONS.filter((section) => only.split(',').includes(section));
  const orders = positiveInteger('orders', 100);
  const samples = positiveInteger('samples', 200);
  const relayBatches = positiveInteger('relay-batches', 300);
  const force = process.argv.includes('--progress');
  const benchDir = __dirname;
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      nodeVersion: process.version,
      platform: `${process.platform}-${process.arch}`,
      loadAverageStart: os.loadavg(),
      loadAverageEnd: [],
    },
    errors: {},
  };
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'dualwrite-bench-'));
  let template: Awaited<ReturnType<typeof runBundleBench>>['template'] | undefined;
  let stackName: string | undefined;
  try {
    for (const section of sections) {
      const bar = ProgressBar.for(process.stderr, force, section.padEnd(12));
      try {
        if (section === 'bundles') {
          // esbuild prints a summary per function on stdout while synthesizing; keep stdout for ours.
          const write = process.stdout.write.bind(process.stdout);
          process.stdout.write = (() => true) as typeof process.stdout.write;
          try {
            const bundles = await runBundleBench({ outdir, onProgress: (done, total) => bar.update(done, total) });
            results.bundles = bundles.bundles;
            template = bundles.template;
            stackName = bundles.stackName;
          } finally {
            process.stdout.write = write;
          }
        } else if (section === 'relay') {
          bar.setTotal(relayBatches);
          const cpu = await runRelayBench({ batches: relayBatches, onProgress: (done) => bar.update(done) });
          const batchFill = await runBatchFillBench();
          results.relay = { ...cpu, entriesPerPutEvents: batchFill.entriesPerPutEvents, callsOverMinimum: batchFill.callsOverMinimum, batchFill };
        } else if (section === 'relayLatency') {
          results.relayLatency = await runRelayLatencyBench({ onProgress: (done, total) => bar.update(done, total) });
        } else if (section === 'commandPath') {
          results.commandPath = await runCommandPathBench({
            samples,
            ...(template ? { template, stackName } : {}),
            onProgress: (done, total) => bar.update(done, total),
          });
        } else {
          const measured = await measureOrderToTimelineLatency({
            orders,
            log: quietRuntimeLog,
            onProgress: (done, total) => bar.update(done, total),
          });
          const d = distribution(measured.latenciesMs);
          results.endToEnd = {
            p50Ms: d.p50,
            p90Ms: d.p90,
            p99Ms: d.p99,
            n: d.n,
            minMs: d.min,
            maxMs: d.max,
            lost: measured.lost,
            pollMs: measured.pollMs,
            samplesMs: measured.latenciesMs,
          };
        }
      } catch (error: unknown) {
        results.errors[section] = error instanceof Error ? error.message : String(error);
      } finally {
        bar.finish();
      }
      if (results.errors[section]) process.stderr.write(`${section} failed: ${results.errors[section]}\n`);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  if (results.relayLatency) {
    const detail = costResult(results.relayLatency);
    results.cost = { ...Object.fromEntries(Object.entries(detail.patterns).map(([pattern, cost]) => [pattern, { usdPerMillion: cost.usdPerMillion }])), detail };
  }
  results.machine.loadAverageEnd = os.loadavg();
  writeFileSync(path.join(benchDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(benchDir, 'results.md'), renderResultsMarkdown(results, explanations(results)));
  writeCharts(results, benchDir);
  console.log(`wrote ${path.relative(process.cwd(), path.join(benchDir, 'results.json'))}, results.md and charts/ (${sections.join(', ')})`);
  if (Object.keys(results.errors).length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
