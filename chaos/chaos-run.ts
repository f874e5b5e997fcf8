/**
 * One chaos run: emulator → fault proxy → local runtime (a child process, killed and restarted
 * mid-run) with the fault plan → capture queue on the bus → N commands over the three flows and the
 * naive dual write → settle (faults on until everything is applied, redrive as an operator would)
 * → evidence → report.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { DEFAULT_OUTBOX_TTL_SECONDS } from '../lambdas/dualwrite/outbox';
import { EventBridgePublisher } from '../lambdas/dualwrite/relay/eventbridge-publisher';
import { LOCAL_AWS_REGION, startEmulator, type RunningEmulator } from '../local/emulator';
import { apiClient, type ApiClient, type ApiResponse } from '../tools/client/api-client';
import type { ToolIo } from '../tools/lib/cli';
import { loadStackOutputs } from '../tools/lib/outputs';
import { ProgressBar } from '../tools/lib/progress';
import { DEFAULT_MARGIN_SECONDS } from '../tools/redrive';
import { redriveConsumerDlq } from '../tools/redrive/consumer-dlq';
import type { RedriveContext } from '../tools/redrive/context';
import { redriveFailed } from '../tools/redrive/failed';
import { queueArnOf, queueDepth } from '../tools/redrive/sqs-helpers';
import { redriveStreamDlq } from '../tools/redrive/stream-dlq';
import type { FunctionCodeOverride } from '../local/faults';
import {
  CaptureQueueReader,
  commandsAppliedTwice,
  PATTERN_SOURCES,
  patternEvidence,
  paymentOutcomes,
  scanTable,
  type DeletedCustomer,
  type PatternName,
  type TableItem,
} from './evidence';
import { DEFAULT_FAULT_RATES, FaultPlan, type FaultKind, type FaultRates } from './fault-plan';
import { startFaultProxy, type RunningFaultProxy } from './fault-proxy';
import { measurePattern, violations, type PatternCounts, type PatternEvidence } from './invariants';
import { derivedRandom, integerBetween, type Random } from './prng';
import { startRuntimeProcess, type RuntimeProcess } from './runtime-process';

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
  /** The whole local runtime is killed with SIGKILL this many times during the commands, and started again. @default 1 */
  runtimeKills?: number;
  /** Give up settling after this long; what is still undelivered then counts as lost. @default 10 min, or 0.6 s per command if longer */
  settleTimeoutMs?: number;
  /** Directory for the run's outputs file and cloud assembly. @default .local/chaos */
  workDir?: string;
  /**
   * Test seam for negative controls: other code for some functions (a relay or consumer broken on
   * purpose, local/faults.ts). Not a flag of `npm run chaos`, and nothing deployed reads it.
   */
  functionCode?: readonly FunctionCodeOverride[];
}

/** A row of the table: the like-for-like counts, and how many of the committed changes met a fault on their way. */
export interface PatternReport extends PatternCounts {
  /** Committed changes whose delivery met at least one injected fault between the commit and the consumer. */
  faultedDeliveries: number;
}

export interface ChaosReport {
  seed: number;
  commands: number;
  durationSeconds: number;
  faults: Record<FaultKind, number>;
  patterns: { outbox: PatternReport; listenToYourself: PatternReport; logTailing: PatternReport };
  naive: PatternReport;
  /**
   * Listen to yourself's business invariant: payments captured or rejected by the consumer, and
   * captures of an order whose cancel had been answered before the capture started (must be 0).
   * `cancelRaces`: payment requests followed at once by a cancel of the same order.
   */
  payments: { captured: number; rejected: number; capturedAfterCancel: number; cancelRaces: number };
  /** Logical commands that committed more than one change (a lost answer retried, a refused transaction retried, a killed runtime): must be 0. */
  commandsAppliedTwice: { count: number; which: string[] };
  /** Poison events: picked, refused until they reached a consumer DLQ, then redriven: how many are in a view exactly once. */
  poison: { events: number; reachedDeadLetterQueue: number; appliedOnce: number };
  /** Command outcomes by HTTP status (and `naive-ok`, `naive-putevents-error`…). */
  outcomes: Record<string, number>;
  /**
   * `faultsOnSeconds`: how long the faults stayed on after the last command (until every change was applied);
   * `scans`: full table scans; `timedOut`: the deadline passed with changes not applied;
   * `leftInQueues`: messages still in the consumer queues and DLQs at the end (visible or in flight);
   * `quiet`: the run settled, every change applied with the faults off or nothing moving after a
   * redrive, with every queue empty. A run that is not quiet cannot vouch for what is left: it fails.
   */
  settle: { seconds: number; faultsOnSeconds: number; quiet: boolean; timedOut: boolean; leftInQueues: number; scans: number; redrives: string[] };
  notes: string[];
}

export const PATTERN_NAMES = ['outbox', 'listenToYourself', 'logTailing'] as const;

/** How often the settle loop reads the capture queue and the queue depths (GetQueueAttributes scans a queue in moto). */
const SETTLE_POLL_MS = 2_000;
/** The consumer queues' visibility timeout during a run (the stack's is 6 × the function timeout). */
const CONSUMER_VISIBILITY_TIMEOUT_SECONDS = 3;
/** Nothing moved for this long and something is not applied: the operator redrives (the runbook's step). */
const STILL_BEFORE_REDRIVE_MS = 10_000;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const workDir = path.resolve(options.workDir ?? path.join('.local', 'chaos'));
  let emulator: RunningEmulator | undefined;
  let proxy: RunningFaultProxy | undefined;
  let runtime: RuntimeProcess | undefined;
  const clients: Array<{ destroy(): void }> = [];
  const note = (line: string) => options.io.stderr.write(`[chaos] ${line}\n`);
  try {
    note(`seed ${options.seed}, ${options.commands} commands; starting the emulator, the fault proxy and the local runtime…`);
    emulator = await startEmulator({ port: 0 });
    // The plan exists before the runtime (the proxy asks it), but learns the queues' maxReceiveCount after: a holder.
    let plan = new FaultPlan(options.seed, options.rates ?? DEFAULT_FAULT_RATES);
    const eventSources = {
      planStreamDelivery: (context: Parameters<FaultPlan['planStreamDelivery']>[0]) => plan.planStreamDelivery(context),
      planSqsDelivery: (context: Parameters<FaultPlan['planSqsDelivery']>[0]) => plan.planSqsDelivery(context),
    };
    proxy = await startFaultProxy({
      upstream: emulator.endpoint,
      planPutEvents: (entries) => plan.planPutEvents(entries),
      planTransactWrite: (itemCount) => plan.planTransactWrite(itemCount),
    });
    plan.active = false; // nothing to fault while the runtime provisions
    const hostConfig = {
      emulatorEndpoint: emulator.endpoint,
      awsEndpoint: proxy.endpoint,
      outputsFile: path.join(workDir, 'outputs.json'),
      outdir: path.join(workDir, 'cdk.out'),
      ...(options.functionCode !== undefined ? { functionCode: options.functionCode } : {}),
      // A crashed consumer's messages come back after the visibility timeout: a few seconds, not the
      // stack's minutes. The pollers ask for it on every receive, so no message escapes it, not even
      // one received in the first moments after a restart, when the runtime has just set the queue's
      // attributes back to the template's.
      sqsReceiveVisibilityTimeoutSeconds: CONSUMER_VISIBILITY_TIMEOUT_SECONDS,
    };
    runtime = await startRuntimeProcess(hostConfig, eventSources);
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

    const consumerQueues = [outputs.TimelineQueueUrl!, outputs.PaymentsQueueUrl!];
    plan = new FaultPlan(options.seed, options.rates ?? DEFAULT_FAULT_RATES, { maxReceiveCount: await maxReceiveCountOf(sqs, consumerQueues[0]!) });

    const driver = new Driver(
      apiClient(outputs),
      derivedRandom(options.seed, 'driver'),
      { dynamodb: naiveDynamodb, events: naiveEvents, tableName, busName },
      { random: derivedRandom(options.seed, 'client'), answerLostRate: plan.rates.answerLost, onAnswerLost: () => plan.countInjected('answerLost') },
    );
    const bar = ProgressBar.for(options.io.stderr, options.progress === true, 'commands', options.commands);
    let capturing = true;
    const capturer = (async () => {
      while (capturing) {
        if ((await capture.drain().catch(() => 0)) === 0) await delay(500);
      }
    })();
    // The kills come at seeded points of the commands phase, with commands in flight.
    const killRandom = derivedRandom(options.seed, 'kill');
    const killAt = Array.from({ length: options.runtimeKills ?? 1 }, () => Math.max(1, Math.floor(options.commands * (0.2 + 0.6 * killRandom())))).sort((x, y) => x - y);
    const killAndRestart = async () => {
      driver.pause();
      await runtime!.kill();
      plan.countInjected('runtimeKilled');
      note(`killed the local runtime (SIGKILL) after ${next} commands; starting it again against the same emulator…`);
      runtime = await startRuntimeProcess(hostConfig, eventSources);
      driver.resume(apiClient(runtime.outputs));
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency ?? 4 }, async () => {
        while (next < options.commands) {
          next += 1;
          if (killAt[0] !== undefined && next >= killAt[0]) {
            killAt.shift();
            void killAndRestart().catch((error: unknown) => driver.fail(error));
          }
          await driver.runOne();
          bar.tick();
        }
      }),
    );
    await driver.whenRunning();
    bar.finish();
    // From here the settle loop drains the capture queue itself at every poll.
    capturing = false;
    await capturer;
    note(`commands done in ${((Date.now() - started) / 1000).toFixed(0)} s; settling…`);

    // Settle: the faults stay on until every committed change has been delivered and applied, so
    // the deliveries still in flight meet them as the first ones did; the operator redrives what
    // ends in a DLQ (a poison event does), with the faults still on. Once a scan shows everything
    // applied, the faults stop and one more still period lets late duplicates show. A deadline
    // fails the run.
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
    let timedOut = false;
    let pending = 0;
    let redrivenWhenStill = false;
    let faultsOnMs = 0;
    let scans = 0;
    let lastScanAt = 0;
    /** The scan that showed every change applied with the faults off: the final evidence reads it again, no second scan. */
    let quietScan: TableItem[] | undefined;
    const stopFaults = () => {
      if (!plan.active) return;
      plan.active = false;
      faultsOnMs = Date.now() - settleStarted;
      stillSince = Date.now();
    };
    // Where the settle phase is: how much of the largest backlog seen in the consumer queues and DLQs is gone.
    const settleBar = ProgressBar.for(options.io.stderr, options.progress === true, 'settle: queue backlog drained');
    let peakPending = 0;
    for (;;) {
      await capture.drain();
      const inQueues = await Promise.all(watchedQueues.map((queueUrl) => messagesIn(sqs, queueUrl)));
      pending = inQueues.reduce((sum, count) => sum + count, 0);
      peakPending = Math.max(peakPending, pending);
      settleBar.update(peakPending - pending, peakPending);
      const movement = JSON.stringify([capture.events.length, inQueues]);
      if (movement !== lastMovement) {
        lastMovement = movement;
        stillSince = Date.now();
        redrivenWhenStill = false;
      }
      const stillForMs = Date.now() - stillSince;
      // Still for 3 s with empty queues: has every change been applied? One scan per still period.
      if (pending === 0 && stillForMs >= 3_000 && lastScanAt < stillSince) {
        lastScanAt = Date.now();
        scans += 1;
        const scanned = await scanTable(documentClient, tableName);
        const counts = measureAll(patternEvidence(scanned, capture.events, driver.deletedCustomers));
        const allApplied = PATTERN_NAMES.every((name) => counts[name].lost === 0);
        if (allApplied && !plan.active) {
          quietScan = scanned;
          break;
        }
        if (allApplied) stopFaults();
      }
      if (stillForMs >= STILL_BEFORE_REDRIVE_MS) {
        if (redrivenWhenStill) {
          // Nothing moved after a redrive: what is missing now stays missing (counted as lost); messages
          // still in a queue that nothing consumes leave the run unsettled, which fails it.
          break;
        }
        // Nothing moves and something is not applied: do what the runbook says an operator does, then watch again.
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
      if (Date.now() - settleStarted > settleTimeoutMs) {
        timedOut = true;
        break;
      }
      await delay(SETTLE_POLL_MS);
    }
    if (plan.active) stopFaults();
    settleBar.finish();
    await capture.drain();

    const items = quietScan ?? (await scanTable(documentClient, tableName));
    const evidence = patternEvidence(items, capture.events, driver.deletedCustomers);
    const counts = measureAll(evidence);
    const row = (name: PatternName): PatternReport => ({ ...counts[name], faultedDeliveries: faultedChangesOf(evidence[name], plan.faultedChanges) });
    const viewed = new Map<string, number>();
    for (const name of [...PATTERN_NAMES, 'naive'] as const) {
      for (const view of evidence[name].views) for (const entry of view.entries) viewed.set(`${view.aggregate}@${entry.version}`, (viewed.get(`${view.aggregate}@${entry.version}`) ?? 0) + 1);
    }
    const poisoned = [...plan.poisoned.values()];
    let neverShown = '';
    if (timedOut) neverShown = ' (it never did: the deadline passed)';
    else if (quietScan === undefined) neverShown = ' (none did: the run ended when nothing moved after a redrive)';
    const notes = [
      `Faults stayed on for ${Math.round(faultsOnMs / 1000)} s after the last command: until a scan showed every committed change delivered and applied${neverShown}. ` +
        'Redrives (FAILED items, stream DLQ, consumer DLQs) ran with the faults on.',
      'naive = PutItem then PutEvents through the same fault proxy, with the SDK default retries (3 attempts) and FailedEntryCount not checked, as the naive code does; ' +
        'its consumer applies every delivery in arrival order, with no deduplication and no ordering guard.',
    ];
    if (capture.unreadable > 0) notes.push(`${capture.unreadable} capture queue message(s) could not be read`);
    return {
      seed: options.seed,
      commands: options.commands,
      durationSeconds: Math.round((Date.now() - started) / 1000),
      faults: { ...plan.counts },
      patterns: { outbox: row('outbox'), listenToYourself: row('listenToYourself'), logTailing: row('logTailing') },
      naive: row('naive'),
      payments: { ...paymentOutcomes(items, driver.cancelsAnswered), cancelRaces: driver.cancelRaces },
      commandsAppliedTwice: commandsAppliedTwice(items, { orderMarkers: driver.orderMarkers, customerPuts: driver.customerPuts }),
      poison: {
        events: poisoned.length,
        reachedDeadLetterQueue: poisoned.filter((poison) => poison.inDeadLetterQueue).length,
        appliedOnce: poisoned.filter((poison) => viewed.get(poison.change) === 1).length,
      },
      outcomes: driver.outcomes,
      settle: { seconds: Math.round((Date.now() - settleStarted) / 1000), faultsOnSeconds: Math.round(faultsOnMs / 1000), quiet: !timedOut && pending === 0, timedOut, leftInQueues: pending, scans, redrives },
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

/**
 * What fails the run: a violation (`lost`, `phantom`, `duplicateEffects`, `orderViolations`,
 * `reidentified`) in a pattern (not the naive one), a payment captured on an order already
 * cancelled, a command applied twice, a poison event not applied exactly once, or a run that did
 * not settle (the deadline passed, or messages were left in a queue nothing consumed).
 */
export function reportViolations(report: ChaosReport): number {
  return (
    PATTERN_NAMES.reduce((sum, name) => sum + violations(report.patterns[name]), 0) +
    report.payments.capturedAfterCancel +
    report.commandsAppliedTwice.count +
    (report.poison.events - report.poison.appliedOnce) +
    (report.settle.quiet ? 0 : 1)
  );
}

/** How many of a pattern's committed changes met at least one fault on their way. */
function faultedChangesOf(evidence: PatternEvidence, faulted: ReadonlySet<string>): number {
  return new Set(evidence.committed.map((change) => `${change.aggregate}@${change.version}`).filter((key) => faulted.has(key))).size;
}

async function maxReceiveCountOf(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }));
  const policy = JSON.parse(Attributes.RedrivePolicy ?? '{}') as { maxReceiveCount?: number | string };
  return Number(policy.maxReceiveCount ?? 5);
}

export async function writeReport(file: string, report: ChaosReport): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}

/** The report table's columns, in order. */
export const REPORT_COLUMNS = ['committed', 'delivered', 'faultedDeliveries', 'lost', 'phantom', 'duplicateEffects', 'duplicateDeliveries', 'orderViolations', 'reidentified'] as const;

/** The report table's rows, in order: each pattern's label and counts, then the naive dual write's. */
export function reportRows(report: ChaosReport): Array<[string, PatternReport]> {
  return [
    ['outbox (orders)', report.patterns.outbox],
    ['listen to yourself (payments)', report.patterns.listenToYourself],
    ['log tailing (customers)', report.patterns.logTailing],
    ['naive dual write', report.naive],
  ];
}

export function formatReportTable(report: ChaosReport): string {
  const header = ['pattern', ...REPORT_COLUMNS];
  const body = reportRows(report).map(([name, counts]) => [name, ...REPORT_COLUMNS.map((column) => String(counts[column]))]);
  const widths = header.map((title, index) => Math.max(title.length, ...body.map((row) => row[index]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join(' | ')} |`;
  const faults = Object.entries(report.faults)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  const { payments, poison } = report;
  return [
    `chaos run: seed ${report.seed}, ${report.commands} commands, ${report.durationSeconds} s (settle ${report.settle.seconds} s, faults on ${report.settle.faultsOnSeconds} s of it` +
      `${report.settle.quiet ? '' : `, NOT settled: ${report.settle.leftInQueues} message(s) left in the queues`}${report.settle.timedOut ? ', DEADLINE PASSED' : ''})`,
    `faults injected: ${faults}`,
    line(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...body.map(line),
    `payments: ${payments.captured} captured, ${payments.rejected} rejected (order cancelled first), ${payments.capturedAfterCancel} captured after their order's cancel; ${payments.cancelRaces} cancels raced against payments`,
    `commands applied twice: ${report.commandsAppliedTwice.count}${report.commandsAppliedTwice.which.map((line) => `\n  ${line}`).join('')}; poison events: ${poison.events}, ${poison.reachedDeadLetterQueue} reached a DLQ, ${poison.appliedOnce} applied exactly once after the redrive`,
  ].join('\n');
}

async function messagesIn(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { visible, inFlight } = await queueDepth(sqs, queueUrl);
  return visible + inFlight;
}

interface NaiveTargets {
  dynamodb: DynamoDBClient;
  events: EventBridgeClient;
  tableName: string;
  busName: string;
}

/** How the driver behaves as an API client: its answers may be lost, and it retries what it may. */
interface ClientBehaviour {
  /** Decides which answers are lost (a stream of its own: the command choices do not shift). */
  random: Random;
  answerLostRate: number;
  onAnswerLost(): void;
}

/** A client gives up on a command after this many attempts (a refused transaction, a 5xx, a connection refused). */
const CLIENT_ATTEMPTS = 8;
const CLIENT_RETRY_DELAY_MS = 200;

/**
 * Picks and sends commands: orders placed and cancelled, payments requested (some followed at once
 * by a cancel of the same order: the race listen to yourself must survive), customers created,
 * changed and deleted (never re-created: README "Known limits"), and the naive dual write.
 * It is a careful client: POST commands carry an `Idempotency-Key`, and a command whose answer was
 * lost, refused by a transaction conflict, or answered 5xx is sent again, the same key with it.
 */
class Driver {
  readonly outcomes: Record<string, number> = {};
  readonly deletedCustomers: DeletedCustomer[] = [];
  /** Order id → when the driver saw its cancel answered 200 (epoch ms). */
  readonly cancelsAnswered = new Map<string, number>();
  /** The unique `customerId` of each order placed (one order each, whatever the retries). */
  readonly orderMarkers = new Set<string>();
  /** Customer id → PUTs answered 200 (its version must not exceed it). */
  readonly customerPuts = new Map<string, number>();
  cancelRaces = 0;
  private readonly placedOrders: string[] = [];
  private readonly customers = new Map<string, number>();
  private readonly naiveAggregates: Array<{ id: string; version: number }> = [];

  /** Open while the runtime runs; a kill closes it until the runtime is back (clients wait, as they would for a host to return). */
  private gate: Promise<void> = Promise.resolve();
  private openGate?: () => void;
  private failGate?: (error: unknown) => void;

  constructor(
    private api: ApiClient,
    private readonly random: Random,
    private readonly naive: NaiveTargets,
    private readonly client: ClientBehaviour,
  ) {}

  pause(): void {
    this.gate = new Promise((resolve, reject) => {
      this.openGate = resolve;
      this.failGate = reject;
    });
    this.gate.catch(() => {});
  }

  /** The runtime is back, at a new address. */
  resume(api: ApiClient): void {
    this.api = api;
    this.openGate?.();
  }

  /** The runtime could not be started again: every command waiting fails, and so does the run. */
  fail(error: unknown): void {
    this.failGate?.(error);
  }

  whenRunning(): Promise<void> {
    return this.gate;
  }

  async runOne(): Promise<void> {
    await this.gate;
    const roll = this.random();
    try {
      if (roll < 0.25) await this.placeOrder();
      else if (roll < 0.33) await this.cancelOrder();
      else if (roll < 0.4) await this.requestPayment();
      else if (roll < 0.5) await this.payThenCancel();
      else if (roll < 0.75) await this.changeCustomer();
      else await this.naiveWrite();
    } catch (error) {
      this.count(`error ${error instanceof Error ? error.name : 'unknown'}`);
    }
  }

  private count(outcome: string): void {
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
  }

  /**
   * One logical command. Its answer may be lost (the command ran; the client never hears): the
   * client sends it again. Refusals a retry can cure (409 VERSION_CONFLICT from a transaction
   * conflict, 5xx, a connection error) are retried too. POSTs carry one `Idempotency-Key` throughout.
   */
  private async send<T>(label: string, method: string, path: string, body?: unknown): Promise<ApiResponse<T> | undefined> {
    const options = method === 'POST' ? { headers: { 'idempotency-key': ulid() } } : undefined;
    if (this.client.random() < this.client.answerLostRate) {
      this.client.onAnswerLost();
      this.count(`${label} answer lost`);
      await this.gate;
      await this.api.request(method, path, body, options).catch(() => undefined);
    }
    let answer: ApiResponse<T> | undefined;
    for (let attempt = 1; attempt <= CLIENT_ATTEMPTS; attempt++) {
      await this.gate;
      answer = await this.api.request<T>(method, path, body, options).catch(() => undefined);
      const code = (answer?.body as { error?: { code?: string } } | undefined)?.error?.code;
      const retryable = answer === undefined || answer.status >= 500 || (answer.status === 409 && code !== 'ILLEGAL_TRANSITION');
      if (!retryable) break;
      this.count(`${label} retried after ${answer?.status ?? 'no answer'}${code !== undefined ? ` ${code}` : ''}`);
      await delay(CLIENT_RETRY_DELAY_MS * attempt);
    }
    this.count(`${label} ${answer?.status ?? 'no answer'}`);
    return answer;
  }

  private async placeOrder(): Promise<void> {
    const marker = `c-${ulid()}`;
    this.orderMarkers.add(marker);
    const answer = await this.send<{ orderId?: string }>('POST /orders', 'POST', 'orders', {
      customerId: marker,
      items: [{ sku: `SKU-${integerBetween(this.random, 1, 9)}`, quantity: integerBetween(this.random, 1, 3), unitPriceCents: 500 }],
    });
    if (answer?.status === 201 && answer.body.orderId) this.placedOrders.push(answer.body.orderId);
  }

  private async cancel(orderId: string): Promise<void> {
    const answer = await this.send('POST /orders/{id}/cancel', 'POST', `orders/${encodeURIComponent(orderId)}/cancel`, { reason: 'chaos' });
    if (answer?.status === 200) this.cancelsAnswered.set(orderId, Date.now());
  }

  private async cancelOrder(): Promise<void> {
    const orderId = this.takeOrder();
    if (orderId === undefined) return this.placeOrder();
    await this.cancel(orderId);
  }

  private async requestPayment(): Promise<void> {
    const orderId = this.takeOrder();
    if (orderId === undefined) return this.placeOrder();
    await this.send('POST /orders/{id}/payments', 'POST', `orders/${encodeURIComponent(orderId)}/payments`, { amountCents: 1000 });
  }

  /** A new user's sequence: pay, then cancel right away. The consumer must not capture a payment for the cancelled order. */
  private async payThenCancel(): Promise<void> {
    const orderId = this.takeOrder();
    if (orderId === undefined) return this.placeOrder();
    const payment = await this.send('POST /orders/{id}/payments', 'POST', `orders/${encodeURIComponent(orderId)}/payments`, { amountCents: 1000 });
    if (payment?.status !== 202) return;
    this.cancelRaces += 1;
    await this.cancel(orderId);
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
    const answer = await this.send('DELETE /customers/{id}', 'DELETE', `customers/${encodeURIComponent(customerId)}`);
    this.customers.delete(customerId);
    this.customerPuts.delete(customerId);
    // 404: the answer to an earlier attempt (lost, or a 5xx) was the delete.
    if (answer?.status === 204 || answer?.status === 404) this.deletedCustomers.push({ customerId, lastVersion: version });
  }

  /** PUT is idempotent by itself: sent again with the same body, it changes nothing and writes nothing. */
  private async putCustomer(customerId: string): Promise<void> {
    const answer = await this.send<{ version?: number }>('PUT /customers/{id}', 'PUT', `customers/${encodeURIComponent(customerId)}`, {
      name: `Name ${ulid()}`,
      email: `${customerId}@example.com`,
    });
    if (answer?.status === 200 && typeof answer.body.version === 'number') {
      this.customers.set(customerId, answer.body.version);
      this.customerPuts.set(customerId, (this.customerPuts.get(customerId) ?? 0) + 1);
    } else {
      this.customers.delete(customerId); // unknown state: not used again
      this.customerPuts.delete(customerId);
    }
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
