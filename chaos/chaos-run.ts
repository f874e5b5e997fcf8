/**
 * One chaos run, in-process: emulator → fault proxy → local runtime with the fault plan → capture
 * queue on the bus → N commands over the three flows and the naive dual write → settle (faults off,
 * wait until quiet, redrive as an operator would) → evidence → report.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { DEFAULT_OUTBOX_TTL_SECONDS } from '../lambdas/dualwrite/outbox';
import { EventBridgePublisher } from '../lambdas/dualwrite/relay/eventbridge-publisher';
import { LOCAL_AWS_REGION, startEmulator, type RunningEmulator } from '../local/emulator';
import { silentLog, type RuntimeLog } from '../local/log';
import { startLocalRuntime, type LocalRuntime } from '../local/runtime';
import { apiClient, type ApiClient } from '../tools/client/api-client';
import type { ToolIo } from '../tools/lib/cli';
import { loadStackOutputs } from '../tools/lib/outputs';
import { ProgressBar } from '../tools/lib/progress';
import { DEFAULT_MARGIN_SECONDS } from '../tools/redrive';
import { redriveConsumerDlq } from '../tools/redrive/consumer-dlq';
import type { RedriveContext } from '../tools/redrive/context';
import { redriveFailed } from '../tools/redrive/failed';
import { queueArnOf } from '../tools/redrive/sqs-helpers';
import { redriveStreamDlq } from '../tools/redrive/stream-dlq';
import { CaptureQueueReader, PATTERN_SOURCES, patternEvidence, scanTable, type DeletedCustomer, type PatternName, type TableItem } from './evidence';
import { DEFAULT_FAULT_RATES, FaultPlan, type FaultKind, type FaultRates } from './fault-plan';
import { startFaultProxy, type RunningFaultProxy } from './fault-proxy';
import { measurePattern, violations, type PatternCounts } from './invariants';
import { derivedRandom, integerBetween, type Random } from './prng';

export interface ChaosOptions {
  commands: number;
  seed: number;
  /** Commands in flight at once. @default 4 */
  concurrency?: number;
  rates?: FaultRates;
  /** Where the progress bar and notes go. */
  io: ToolIo;
  /** Draw the progress bar even when stderr is not a terminal. */
  progress?: boolean;
  /** The runtime's own log (quiet by default: a chaos run makes it noisy on purpose). */
  log?: RuntimeLog;
  /** Give up settling after this long; what is still undelivered then counts as lost. @default 10 min, or 0.6 s per command if longer */
  settleTimeoutMs?: number;
  /** Directory for the run's outputs file and cloud assembly. @default .local/chaos */
  workDir?: string;
}

export interface ChaosReport {
  seed: number;
  commands: number;
  durationSeconds: number;
  faults: Record<FaultKind, number>;
  patterns: { outbox: PatternCounts; listenToYourself: PatternCounts; logTailing: PatternCounts };
  naive: PatternCounts;
  /** Command outcomes by HTTP status (and `naive-ok`, `naive-putevents-error`…). */
  outcomes: Record<string, number>;
  /** `scans`: full table scans the settle phase needed to see every change carried. */
  settle: { seconds: number; quiet: boolean; scans: number; redrives: string[] };
  notes: string[];
}

export const PATTERN_NAMES = ['outbox', 'listenToYourself', 'logTailing'] as const;

/** How often the settle loop reads the capture queue and the queue depths (GetQueueAttributes scans a queue in moto). */
const SETTLE_POLL_MS = 2_000;
/** Faults stay on after the last command until every change was carried once, or this long. */
const FAULTS_AFTER_COMMANDS_MS = 60_000;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const plan = new FaultPlan(options.seed, options.rates ?? DEFAULT_FAULT_RATES);
  const workDir = path.resolve(options.workDir ?? path.join('.local', 'chaos'));
  let emulator: RunningEmulator | undefined;
  let proxy: RunningFaultProxy | undefined;
  let runtime: LocalRuntime | undefined;
  const clients: Array<{ destroy(): void }> = [];
  const note = (line: string) => options.io.stderr.write(`[chaos] ${line}\n`);
  try {
    note(`seed ${options.seed}, ${options.commands} commands; starting the emulator, the fault proxy and the local runtime…`);
    emulator = await startEmulator({ port: 0 });
    proxy = await startFaultProxy({ upstream: emulator.endpoint, planPutEvents: (count) => plan.planPutEvents(count) });
    runtime = await startLocalRuntime({
      endpoint: emulator.endpoint,
      port: 0,
      outputsFile: path.join(workDir, 'outputs.json'),
      outdir: path.join(workDir, 'cdk.out'),
      ttlSweepIntervalMs: 0,
      faults: { awsEndpoint: proxy.endpoint, eventSources: plan },
      log: options.log ?? silentLog,
    });
    const outputs = runtime.outputs;
    const direct = { endpoint: emulator.endpoint, region: LOCAL_AWS_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    const viaProxy = { ...direct, endpoint: proxy.endpoint };
    const sqs = new SQSClient(direct);
    const eventbridge = new EventBridgeClient(direct);
    const dynamodb = new DynamoDBClient(direct);
    const documentClient = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    const naiveDynamodb = new DynamoDBClient(viaProxy);
    const naiveEvents = new EventBridgeClient(viaProxy);
    clients.push(sqs, eventbridge, dynamodb, naiveDynamodb, naiveEvents);
    const tableName = outputs.TableName!;
    const busName = outputs.EventBusName!;

    // The bus's own evidence: every event of the stack's sources and the naive one, on a queue of ours.
    const captureQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${runtime.stackName}-chaos-capture` }))).QueueUrl!;
    const captureArn = await queueArnOf(sqs, captureQueueUrl);
    await eventbridge.send(
      new PutRuleCommand({ Name: 'chaos-capture', EventBusName: busName, EventPattern: JSON.stringify({ source: Object.values(PATTERN_SOURCES) }) }),
    );
    await eventbridge.send(new PutTargetsCommand({ Rule: 'chaos-capture', EventBusName: busName, Targets: [{ Id: 'capture', Arn: captureArn }] }));
    const capture = new CaptureQueueReader(sqs, captureQueueUrl);

    // A crashed consumer's messages come back after the visibility timeout: a few seconds, not the stack's minutes.
    const consumerQueues = [outputs.TimelineQueueUrl!, outputs.PaymentsQueueUrl!];
    for (const queueUrl of consumerQueues) {
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { VisibilityTimeout: '3' } }));
    }

    const driver = new Driver(apiClient(outputs), derivedRandom(options.seed, 'driver'), {
      dynamodb: naiveDynamodb,
      events: naiveEvents,
      tableName,
      busName,
    });
    const bar = ProgressBar.for(options.io.stderr, options.progress === true, 'commands', options.commands);
    let capturing = true;
    const capturer = (async () => {
      while (capturing) {
        if ((await capture.drain().catch(() => 0)) === 0) await delay(500);
      }
    })();
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency ?? 4 }, async () => {
        while (next < options.commands) {
          next += 1;
          await driver.runOne();
          bar.tick();
        }
      }),
    );
    bar.finish();
    // From here the settle loop drains the capture queue itself at every poll.
    capturing = false;
    await capturer;
    note(`commands done in ${((Date.now() - started) / 1000).toFixed(0)} s; settling…`);

    // Settle: faults go on until the pipeline has carried every committed change once (or for at most
    // FAULTS_AFTER_COMMANDS_MS), so deliveries still in flight meet them too; then they stop (they
    // were transient), the pipeline drains, and the operator redrives.
    const settleStarted = Date.now();
    const redrives: string[] = [];
    const redriveContext: RedriveContext = {
      outputs: loadStackOutputs(runtime.outputsFile, runtime.stackName),
      documentClient,
      sqs,
      publisher: new EventBridgePublisher(eventbridge),
      dryRun: false,
      progress: false,
      discardExpired: false,
      marginMs: DEFAULT_MARGIN_SECONDS * 1000,
      outboxTtlSeconds: DEFAULT_OUTBOX_TTL_SECONDS,
      now: () => new Date(),
      receiveWaitSeconds: 0,
      io: { stdout: { write: () => true }, stderr: { write: () => true } },
    };
    const watchedQueues = [...consumerQueues, outputs.TimelineDeadLetterQueueUrl!, outputs.PaymentsDeadLetterQueueUrl!, outputs.RelayDeadLetterQueueUrl!, outputs.CdcDeadLetterQueueUrl!];
    const settleTimeoutMs = options.settleTimeoutMs ?? Math.max(600_000, options.commands * 600);
    // Cheap signals every SETTLE_POLL_MS (events on the capture queue, messages in the queues); the table scan
    // (seconds on a big run: moto serializes every item) only when those have been still for a while.
    let lastMovement = '';
    let stillSince = Date.now();
    let quiet = false;
    let redrivenWhenStill = false;
    let faultsStoppedAfterMs = 0;
    let scans = 0;
    let lastScanAt = 0;
    /** The scan that showed every change carried with the faults off: the final evidence reads it again, no second scan. */
    let quietScan: TableItem[] | undefined;
    const stopFaults = () => {
      if (!plan.active) return;
      plan.active = false;
      faultsStoppedAfterMs = Date.now() - settleStarted;
      stillSince = Date.now();
    };
    // Where the settle phase is: how much of the largest backlog seen in the consumer queues and DLQs is gone.
    const settleBar = ProgressBar.for(options.io.stderr, options.progress === true, 'settle: queue backlog drained');
    let peakPending = 0;
    for (;;) {
      await capture.drain();
      const inQueues = await Promise.all(watchedQueues.map((queueUrl) => messagesIn(sqs, queueUrl)));
      const pending = inQueues.reduce((sum, count) => sum + count, 0);
      peakPending = Math.max(peakPending, pending);
      settleBar.update(peakPending - pending, peakPending);
      const movement = JSON.stringify([capture.events.length, inQueues]);
      if (movement !== lastMovement) {
        lastMovement = movement;
        stillSince = Date.now();
        redrivenWhenStill = false;
      }
      if (plan.active && Date.now() - settleStarted >= FAULTS_AFTER_COMMANDS_MS) stopFaults();
      const stillForMs = Date.now() - stillSince;
      // Still for 3 s with empty queues: has every change been carried? One scan per still period.
      if (pending === 0 && stillForMs >= 3_000 && lastScanAt < stillSince) {
        lastScanAt = Date.now();
        scans += 1;
        const scanned = await scanTable(documentClient, tableName);
        const counts = measureAll(patternEvidence(scanned, capture.events, driver.deletedCustomers));
        const allCarried = PATTERN_NAMES.every((name) => counts[name].lost === 0);
        if (allCarried && !plan.active) {
          quiet = true;
          quietScan = scanned;
          break;
        }
        // Faults stay on until every committed change was carried once (deliveries in flight meet them too).
        if (allCarried) stopFaults();
      }
      if (!plan.active && stillForMs >= 10_000) {
        if (redrivenWhenStill) {
          quiet = pending === 0;
          break;
        }
        // Nothing moves and something is missing: do what the runbook says an operator does, then watch again.
        for (const [name, redrive] of [
          ['failed', () => redriveFailed(redriveContext)],
          ['stream-dlq', () => redriveStreamDlq(redriveContext)],
          ['consumer-dlq', () => redriveConsumerDlq(redriveContext, 'all')],
        ] as const) {
          const result = await redrive().catch((error: unknown) => ({ summary: `${name}: ${String(error)}`, left: 1 }));
          redrives.push(result.summary);
        }
        redrivenWhenStill = true;
        stillSince = Date.now();
      }
      if (Date.now() - settleStarted > settleTimeoutMs) break;
      await delay(SETTLE_POLL_MS);
    }
    settleBar.finish();
    await capture.drain();

    const items = quietScan ?? (await scanTable(documentClient, tableName));
    const counts = measureAll(patternEvidence(items, capture.events, driver.deletedCustomers));
    const notes = [
      `Faults stayed on for ${Math.round(faultsStoppedAfterMs / 1000)} s after the last command (until every change was carried once, or from the first check after ${FAULTS_AFTER_COMMANDS_MS / 1000} s); ` +
        'the invariants are measured after the settle phase that follows: the pipeline drains, the operator redrives (FAILED items, stream DLQ, consumer DLQs).',
      'naive = PutItem then PutEvents through the same fault proxy, with the SDK default retries (3 attempts) and FailedEntryCount not checked, as the naive code does.',
    ];
    if (capture.unreadable > 0) notes.push(`${capture.unreadable} capture queue message(s) could not be read`);
    return {
      seed: options.seed,
      commands: options.commands,
      durationSeconds: Math.round((Date.now() - started) / 1000),
      faults: { ...plan.counts },
      patterns: { outbox: counts.outbox, listenToYourself: counts.listenToYourself, logTailing: counts.logTailing },
      naive: counts.naive,
      outcomes: driver.outcomes,
      settle: { seconds: Math.round((Date.now() - settleStarted) / 1000), quiet, scans, redrives },
      notes,
    };
  } finally {
    for (const client of clients) client.destroy();
    await runtime?.stop().catch(() => {});
    await proxy?.stop().catch(() => {});
    await emulator?.stop().catch(() => {});
  }
}

function measureAll(evidence: Record<PatternName, Parameters<typeof measurePattern>[0]>): Record<PatternName, PatternCounts> {
  return {
    outbox: measurePattern(evidence.outbox),
    listenToYourself: measurePattern(evidence.listenToYourself),
    logTailing: measurePattern(evidence.logTailing),
    naive: measurePattern(evidence.naive),
  };
}

/** Non-zero `lost`, `phantom`, `duplicateEffects` or `orderViolations` in any pattern (not the naive one). */
export function reportViolations(report: ChaosReport): number {
  return PATTERN_NAMES.reduce((sum, name) => sum + violations(report.patterns[name]), 0);
}

export async function writeReport(file: string, report: ChaosReport): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}

export function formatReportTable(report: ChaosReport): string {
  const columns = ['committed', 'delivered', 'lost', 'phantom', 'duplicateEffects', 'orderViolations'] as const;
  const rows: Array<[string, PatternCounts]> = [
    ['outbox (orders)', report.patterns.outbox],
    ['listen to yourself (payments)', report.patterns.listenToYourself],
    ['log tailing (customers)', report.patterns.logTailing],
    ['naive dual write', report.naive],
  ];
  const header = ['pattern', ...columns];
  const body = rows.map(([name, counts]) => [name, ...columns.map((column) => String(counts[column]))]);
  const widths = header.map((title, index) => Math.max(title.length, ...body.map((row) => row[index]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join(' | ')} |`;
  const faults = Object.entries(report.faults)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  return [
    `chaos run: seed ${report.seed}, ${report.commands} commands, ${report.durationSeconds} s (settle ${report.settle.seconds} s${report.settle.quiet ? '' : ', NOT quiet'})`,
    `faults injected: ${faults}`,
    line(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

async function messagesIn(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
}

interface NaiveTargets {
  dynamodb: DynamoDBClient;
  events: EventBridgeClient;
  tableName: string;
  busName: string;
}

/**
 * Picks and sends commands: orders placed and cancelled, payments requested, customers created,
 * changed and deleted (never re-created: README "Known limits"), and the naive dual write.
 */
class Driver {
  readonly outcomes: Record<string, number> = {};
  readonly deletedCustomers: DeletedCustomer[] = [];
  private readonly placedOrders: string[] = [];
  private readonly customers = new Map<string, number>();
  private readonly naiveAggregates: Array<{ id: string; version: number }> = [];

  constructor(
    private readonly api: ApiClient,
    private readonly random: Random,
    private readonly naive: NaiveTargets,
  ) {}

  async runOne(): Promise<void> {
    const roll = this.random();
    try {
      if (roll < 0.25) await this.placeOrder();
      else if (roll < 0.35) await this.cancelOrder();
      else if (roll < 0.5) await this.requestPayment();
      else if (roll < 0.75) await this.changeCustomer();
      else await this.naiveWrite();
    } catch (error) {
      this.count(`error ${error instanceof Error ? error.name : 'unknown'}`);
    }
  }

  private count(outcome: string): void {
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
  }

  private async placeOrder(): Promise<void> {
    const answer = await this.api.request<{ orderId?: string }>('POST', 'orders', {
      customerId: `c${integerBetween(this.random, 1, 50)}`,
      items: [{ sku: `SKU-${integerBetween(this.random, 1, 9)}`, quantity: integerBetween(this.random, 1, 3), unitPriceCents: 500 }],
    });
    this.count(`POST /orders ${answer.status}`);
    if (answer.status === 201 && answer.body.orderId) this.placedOrders.push(answer.body.orderId);
  }

  private async cancelOrder(): Promise<void> {
    const orderId = this.takeOrder();
    if (orderId === undefined) return this.placeOrder();
    const answer = await this.api.request('POST', `orders/${encodeURIComponent(orderId)}/cancel`, { reason: 'chaos' });
    this.count(`POST /orders/{id}/cancel ${answer.status}`);
  }

  private async requestPayment(): Promise<void> {
    const orderId = this.takeOrder();
    if (orderId === undefined) return this.placeOrder();
    const answer = await this.api.request('POST', `orders/${encodeURIComponent(orderId)}/payments`, { amountCents: 1000 });
    this.count(`POST /orders/{id}/payments ${answer.status}`);
  }

  /** An order no other command in flight holds (a cancelled or paid order is not used again). */
  private takeOrder(): string | undefined {
    if (this.placedOrders.length === 0) return undefined;
    const index = integerBetween(this.random, 0, this.placedOrders.length - 1);
    return this.placedOrders.splice(index, 1)[0];
  }

  private async changeCustomer(): Promise<void> {
    const known = [...this.customers.keys()];
    const roll = this.random();
    if (known.length === 0 || roll < 0.5) {
      const customerId = `cust-${ulid()}`;
      this.customers.set(customerId, -1); // busy
      await this.putCustomer(customerId);
      return;
    }
    const customerId = known[integerBetween(this.random, 0, known.length - 1)]!;
    const version = this.customers.get(customerId)!;
    if (version < 0) return this.naiveWrite(); // another command holds it
    this.customers.set(customerId, -1);
    if (roll < 0.8) {
      await this.putCustomer(customerId);
      return;
    }
    const answer = await this.api.request('DELETE', `customers/${encodeURIComponent(customerId)}`);
    this.count(`DELETE /customers/{id} ${answer.status}`);
    this.customers.delete(customerId);
    if (answer.status === 204) this.deletedCustomers.push({ customerId, lastVersion: version });
  }

  private async putCustomer(customerId: string): Promise<void> {
    const answer = await this.api.request<{ version?: number }>('PUT', `customers/${encodeURIComponent(customerId)}`, {
      name: `Name ${ulid()}`,
      email: `${customerId}@example.com`,
    });
    this.count(`PUT /customers/{id} ${answer.status}`);
    if (answer.status === 200 && typeof answer.body.version === 'number') this.customers.set(customerId, answer.body.version);
    else this.customers.delete(customerId); // unknown state: not used again
  }

  /** The dual write itself: PutItem, then PutEvents, nothing in between. */
  private async naiveWrite(): Promise<void> {
    const reuse = this.naiveAggregates.length > 0 && this.random() < 0.5;
    const aggregate = reuse ? this.naiveAggregates.splice(integerBetween(this.random, 0, this.naiveAggregates.length - 1), 1)[0]! : { id: ulid(), version: 0 };
    const version = aggregate.version + 1;
    try {
      await this.naive.dynamodb.send(
        new PutItemCommand({
          TableName: this.naive.tableName,
          Item: { pk: { S: `NAIVE#${aggregate.id}` }, sk: { S: 'STATE' }, version: { N: String(version) } },
        }),
      );
    } catch {
      this.count('naive PutItem error');
      this.naiveAggregates.push(aggregate);
      return;
    }
    this.naiveAggregates.push({ id: aggregate.id, version });
    const detail = { id: ulid(), type: 'NaiveChanged', source: PATTERN_SOURCES.naive, aggregateType: 'Naive', aggregateId: aggregate.id, aggregateVersion: version };
    try {
      await this.naive.events.send(
        new PutEventsCommand({ Entries: [{ EventBusName: this.naive.busName, Source: PATTERN_SOURCES.naive, DetailType: 'NaiveChanged', Detail: JSON.stringify(detail) }] }),
      );
      this.count('naive ok');
    } catch {
      this.count('naive PutEvents error');
    }
  }
}
