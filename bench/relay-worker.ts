/**
 * Child process of the relay benchmark (bench/relay.ts): runs the REAL outbox relay handler
 * (`makeOutboxRelayHandler` with the real `EventBridgePublisher`, Powertools Logger and Metrics, and
 * an `@aws-sdk/client-eventbridge` client) on synthetic stream batches, against the stub endpoint
 * whose URL it gets in `STUB_URL`. Its stdout (the relay's logs and EMF metrics, as on Lambda) goes
 * to /dev/null; the figures go to the parent over IPC. Measured: this process's CPU across the
 * measured batches, and their wall time.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { makeOutboxRelayHandler } from '../lambdas/dualwrite/relay/handler';
import { EventBridgePublisher } from '../lambdas/dualwrite/relay/eventbridge-publisher';
import { fakeLambdaContext, outboxStreamBatch } from './lib/stream-batches';

export interface RelayWorkerReport {
  events: number;
  batches: number;
  cpuMicros: number;
  wallMs: number;
  failures: number;
  /** The stub's counters and CPU over the measured batches only. */
  stub: { calls: number; entries: number; cpuMicros: number };
}

interface StubStats {
  calls: number;
  entries: number;
  cpu: { user: number; system: number };
}

async function stubStats(stubUrl: string): Promise<StubStats> {
  const response = await fetch(`${stubUrl}/stats`);
  return (await response.json()) as StubStats;
}

async function main(): Promise<void> {
  const stubUrl = process.env.STUB_URL;
  if (stubUrl === undefined) throw new Error('STUB_URL environment variable is not set');
  const batches = Number(process.env.RELAY_BATCHES ?? 300);
  const warmup = Number(process.env.RELAY_WARMUP_BATCHES ?? 30);
  const recordsPerBatch = Number(process.env.RELAY_RECORDS_PER_BATCH ?? 100);
  const client = new EventBridgeClient({
    endpoint: stubUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000 },
  });
  const handler = makeOutboxRelayHandler({
    eventBusName: 'bench-events',
    // RELAY_PUBLISHER=in-process answers in this process with no SDK and no HTTP: the relay's own
    // algorithm (parse, plan, settle, log, metrics) without the client's cost.
    publisher:
      process.env.RELAY_PUBLISHER === 'in-process'
        ? { putEvents: async (entries) => entries.map((_, index) => ({ eventId: `in-process-${index}` })) }
        : new EventBridgePublisher(client),
    failureSink: {
      record: async (item, failure) => {
        throw new Error(`unexpected terminal failure of ${item.itemIdentifier}: ${failure.code} ${failure.message}`);
      },
    },
    metrics: new Metrics({ namespace: 'dualwrite', serviceName: 'Relay' }),
    logger: new Logger({ serviceName: 'Relay' }),
  });
  const context = fakeLambdaContext();
  // Built before measuring: a real stream batch arrives already parsed by the Lambda runtime.
  const inputs = Array.from({ length: warmup + batches }, (_, index) => outboxStreamBatch(index, recordsPerBatch));
  let failures = 0;
  for (let i = 0; i < warmup; i++) failures += (await handler(inputs[i], context)).batchItemFailures.length;
  const inProcess = process.env.RELAY_PUBLISHER === 'in-process';
  const empty: StubStats = { calls: 0, entries: 0, cpu: { user: 0, system: 0 } };
  const stubBefore = inProcess ? empty : await stubStats(stubUrl);
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  for (let i = warmup; i < warmup + batches; i++) {
    failures += (await handler(inputs[i], context)).batchItemFailures.length;
    if ((i - warmup + 1) % 10 === 0) process.send?.({ progress: i - warmup + 1 });
  }
  const wallMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuBefore);
  const stubAfter = inProcess ? empty : await stubStats(stubUrl);
  const report: RelayWorkerReport = {
    events: batches * recordsPerBatch,
    batches,
    cpuMicros: cpu.user + cpu.system,
    wallMs,
    failures,
    stub: {
      calls: stubAfter.calls - stubBefore.calls,
      entries: stubAfter.entries - stubBefore.entries,
      cpuMicros: stubAfter.cpu.user + stubAfter.cpu.system - (stubBefore.cpu.user + stubBefore.cpu.system),
    },
  };
  process.send?.({ report });
  client.destroy();
}

main().catch((error: unknown) => {
  process.send?.({ error: error instanceof Error ? error.stack ?? error.message : String(error) });
  process.exitCode = 1;
});
