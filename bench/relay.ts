/**
 * Relay benchmark: the real outbox relay handler against a PutEvents stub that answers at once.
 * Three processes: this one (orchestration), the stub (bench/put-events-stub.mjs) and the relay
 * (bench/relay-worker.ts), so the relay process's CPU is the relay's own cost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { RelayResult } from './lib/results';
import type { RelayWorkerReport } from './relay-worker';

export interface RelayBenchOptions {
  batches?: number;
  warmupBatches?: number;
  recordsPerBatch?: number;
  onProgress?: (batchesDone: number) => void;
}

type WorkerMode = 'sdk' | 'in-process';

function runWorker(stubUrl: string, mode: WorkerMode, batches: number, recordsPerBatch: number, options: RelayBenchOptions): Promise<RelayWorkerReport> {
  const worker = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'relay-worker.ts')], {
    // The relay's logs and EMF metrics are written as on Lambda, to a stdout nobody reads.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: {
      ...process.env,
      STUB_URL: stubUrl,
      RELAY_PUBLISHER: mode,
      RELAY_BATCHES: String(batches),
      RELAY_WARMUP_BATCHES: String(options.warmupBatches ?? 30),
      RELAY_RECORDS_PER_BATCH: String(recordsPerBatch),
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_NAMESPACE: 'dualwrite',
      POWERTOOLS_TRACE_ENABLED: 'false',
      // The SDK's warning about Node 20 support would otherwise interleave with the progress bar.
      NODE_NO_WARNINGS: '1',
    },
  });
  return new Promise<RelayWorkerReport>((resolve, reject) => {
    let settled: RelayWorkerReport | undefined;
    worker.on('message', (message: { progress?: number; report?: RelayWorkerReport; error?: string }) => {
      if (message.progress !== undefined && mode === 'sdk') options.onProgress?.(message.progress);
      if (message.report !== undefined) settled = message.report;
      if (message.error !== undefined) reject(new Error(`relay worker failed: ${message.error}`));
    });
    worker.on('exit', (code) => (settled !== undefined ? resolve(settled) : reject(new Error(`relay worker exited with code ${code} and no report`))));
  });
}

/** Starts bench/put-events-stub.mjs in its own process; `latency` makes it answer after a log-normal delay. */
export async function startStub(latency?: { medianMs: number; p99Ms: number }): Promise<{ url: string; child: ChildProcess }> {
  const env = latency === undefined ? process.env : { ...process.env, STUB_LATENCY_MEDIAN_MS: String(latency.medianMs), STUB_LATENCY_P99_MS: String(latency.p99Ms) };
  const child = spawn(process.execPath, [path.join(__dirname, 'put-events-stub.mjs')], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the PutEvents stub exited (code ${code}) before listening`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

export async function runRelayBench(options: RelayBenchOptions = {}): Promise<RelayResult> {
  const batches = options.batches ?? 300;
  const recordsPerBatch = options.recordsPerBatch ?? 100;
  const stub = await startStub();
  try {
    const report = await runWorker(stub.url, 'sdk', batches, recordsPerBatch, options);
    const inProcess = await runWorker(stub.url, 'in-process', batches, recordsPerBatch, options);
    if (report.failures > 0) throw new Error(`the relay reported ${report.failures} batch item failure(s) against a stub that never fails`);
    if (report.stub.entries !== report.events) throw new Error(`the stub saw ${report.stub.entries} entries for ${report.events} events`);
    return {
      cpuMicrosPerEvent: report.cpuMicros / report.events,
      eventsPerSecond: report.events / (report.wallMs / 1000),
      entriesPerPutEventsFullBatches: report.stub.entries / report.stub.calls,
      events: report.events,
      batches: report.batches,
      recordsPerBatch,
      putEventsCalls: report.stub.calls,
      stubCpuMicrosPerEvent: report.stub.cpuMicros / report.events,
      wallSeconds: report.wallMs / 1000,
      cpuMicrosPerEventWithoutSdk: inProcess.cpuMicros / inProcess.events,
    };
  } finally {
    stub.child.kill('SIGTERM');
  }
}

if (require.main === module) {
  runRelayBench({ onProgress: (done) => process.stderr.write(`\rrelay batches ${done}`) })
    .then((result) => {
      process.stderr.write('\n');
      console.log(JSON.stringify(result, null, 2));
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
