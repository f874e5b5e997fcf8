/**
 * THE relay algorithm of docs/design.md#relay, in one file and free of AWS: everything it
 * touches comes in through a port, so the outbox relay, the change-data-capture handler and the
 * redrive tool run the same code, and unit tests drive it with small in-memory fakes.
 *
 * Rules, in the order they matter:
 * 1. Events of one aggregate are published in stream order; events of different aggregates need no
 *    order between them. The plan (batching.ts `planCalls`) cuts the items into PutEvents calls of
 *    ≤ 10 entries and ≤ the size limit, and says which call waits for which: a call starts only when
 *    every earlier call holding an event of one of its aggregates has settled. Up to
 *    `maxConcurrentCalls` calls are in flight at once, so a batch spread over many aggregates costs
 *    a few round trips instead of one per call; one aggregate's events are never in two calls in
 *    flight at the same time, so none is overtaken by a later event of its aggregate in another call.
 * 2. PutEvents answers 200 even when entries fail, so every entry's result is read. Only retryable
 *    failures (throttling, internal errors) are sent again, and only those entries, with exponential
 *    backoff and full jitter. A call's retries finish before any call that waits for it starts.
 * 3. A per-event terminal failure (any other error code, an item that never parsed, an entry too
 *    large for any call) goes to the sink and the relay goes on: one bad event never blocks a shard.
 * 4. When the relay cannot settle an item (time is running out, a whole-call error it must not
 *    retry, the sink itself fails) it starts no new call, lets the calls in flight finish, and names
 *    the FIRST unsettled item in stream order in `batchItemFailures`; Lambda retries the batch from
 *    that record, so nothing is lost and events of one aggregate are not overtaken by the retry.
 *    Items already published after that record are published again on the retry: consumers
 *    deduplicate on `detail.id` (envelope.ts).
 *
 * Within one PutEvents call EventBridge keeps no order, and a retried entry lands after entries of
 * the same call that succeeded the first time; an aggregate's events share a call only in stream
 * order. Consumers that need order guard on aggregateVersion (consumer/ordering-guard.ts).
 */
import { entrySize, toPutEventsEntry, type EventEnvelope, type PutEventsEntry } from '../envelope';
import { DEFAULT_BACKOFF, fullJitterDelayMs, type BackoffPolicy } from './backoff';
import { planCalls, PUT_EVENTS_LIMITS, type BatchLimits, type PlannedStep } from './batching';

/**
 * One stream record's event, in stream order. `itemIdentifier` is what Lambda expects back in
 * `batchItemFailures` (the record's SequenceNumber); several items may share it (a CDC record that
 * maps to several events). `ref` is opaque to the algorithm: whatever the sink needs to find the item.
 */
export interface RelayItem<TRef = unknown> {
  itemIdentifier: string;
  /** The event to publish; absent when the record could not be turned into one (see `malformed`). */
  envelope?: EventEnvelope<object>;
  /** Why the record has no envelope: it goes straight to the terminal-failure sink. */
  malformed?: Error;
  ref: TRef;
}

/** Outcome of one entry of a PutEvents call, in the order of the entries sent. */
export interface PublishResultEntry {
  eventId?: string;
  errorCode?: string;
  errorMessage?: string;
}

/** Port: one PutEvents call. Returns one result per entry, or throws when the whole call fails. */
export interface EventPublisher {
  putEvents(entries: readonly PutEventsEntry[]): Promise<readonly PublishResultEntry[]>;
}

export interface RelayFailure {
  code: string;
  message: string;
}

/** Port: keeps an event that can never be published where an operator can find and redrive it. */
export interface TerminalFailureSink<TRef = unknown> {
  record(item: RelayItem<TRef>, failure: RelayFailure): Promise<void>;
}

export type RelayMetricName = 'EventsPublished' | 'EventsFailed' | 'EventsRetried' | 'PublishLagMs' | 'BatchFill';

/** Port: structurally a subset of Powertools `Metrics`, so the handler passes its instance as is. */
export interface RelayMetrics {
  addMetric(name: RelayMetricName, unit: 'Count' | 'Milliseconds', value: number): unknown;
}

/**
 * Port: structurally a subset of Powertools `Logger`. Every line about one event carries its
 * `eventId` and `correlationId`; lines about a call name the events' correlation ids.
 */
export interface RelayLogger {
  /** Optional: the one line per published event. */
  debug?(message: string, attributes: Record<string, unknown>): void;
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

export interface RelayPorts<TRef = unknown> {
  eventBusName: string;
  publisher: EventPublisher;
  failureSink: TerminalFailureSink<TRef>;
  /** Time left in the invocation (Lambda's `context.getRemainingTimeInMillis`). */
  remainingTimeMs: () => number;
  /**
   * Time kept back for returning the checkpoint: no retry starts, and no batch after the first one
   * starts, when less than this is left. The first batch is always attempted, so each invocation
   * makes progress even with a function timeout shorter than the margin.
   * @default 5000
   */
  safetyMarginMs?: number;
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** Numbers in [0, 1) for the jitter. @default Math.random */
  random?: () => number;
  /** Epoch milliseconds, for the publish lag. @default Date.now */
  now?: () => number;
  metrics?: RelayMetrics;
  logger?: RelayLogger;
  /** @default DEFAULT_BACKOFF (base 50 ms, cap 5 s) */
  backoff?: BackoffPolicy;
  /** @default PUT_EVENTS_LIMITS (10 entries, 256 KB) */
  limits?: BatchLimits;
  /**
   * PutEvents calls in flight at once, each for aggregates none of the others holds. 1 publishes
   * one call after another.
   * @default DEFAULT_MAX_CONCURRENT_CALLS
   */
  maxConcurrentCalls?: number;
}

export type RelayStopReason = 'out-of-time' | 'publish-error' | 'failure-sink-error';

export interface RelayOutcome<TRef = unknown> {
  /** Lambda's partial batch response: empty, or the first unsettled record. */
  batchItemFailures: Array<{ itemIdentifier: string }>;
  published: Array<RelayItem<TRef>>;
  failed: Array<{ item: RelayItem<TRef>; failure: RelayFailure }>;
  /** Set when the relay stopped before settling every item. */
  stopped?: { itemIdentifier: string; reason: RelayStopReason; error?: unknown };
}

export const DEFAULT_SAFETY_MARGIN_MS = 5_000;

/**
 * Chosen from `npm run bench` (bench/results.md, `relayLatency`): with PutEvents answering in a
 * median 25 ms (p99 80 ms), 10 calls in flight take a batch of 100 events over 100 aggregates in
 * about one round trip; more would only help batches larger than 100 records, and would spend more
 * of the account's PutEvents request quota in bursts.
 */
export const DEFAULT_MAX_CONCURRENT_CALLS = 10;

/** Per-entry error codes worth sending again; every other code is terminal for that event. */
export const RETRYABLE_ENTRY_ERROR_CODES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'InternalFailure',
  'InternalException',
  // An entry the response did not account for: sending it again is safe (consumers deduplicate).
  'MissingResultEntry',
]);

/** Failure codes the relay itself gives to events it never sends. */
export const MALFORMED_EVENT_CODE = 'MalformedEvent';
export const ENTRY_TOO_LARGE_CODE = 'EntryTooLarge';

const RETRYABLE_ERROR_NAMES = new Set([
  'ThrottlingException',
  'ThrottledException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'InternalFailure',
  'InternalException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/**
 * Is a thrown PutEvents error worth retrying? Yes for throttling, 5xx and network failures (the SDK
 * marks them `$retryable` or `$fault: 'server'`); no for everything the caller must fix
 * (AccessDenied, validation of the request), which would fail the same way every time.
 */
export function isRetryablePublishError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as {
    name?: unknown;
    code?: unknown;
    $retryable?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  if (typeof candidate.name === 'string' && RETRYABLE_ERROR_NAMES.has(candidate.name)) return true;
  if (typeof candidate.code === 'string' && TRANSIENT_NETWORK_CODES.has(candidate.code)) return true;
  if (candidate.$retryable !== undefined && candidate.$retryable !== null && candidate.$retryable !== false) return true;
  if (candidate.$fault === 'server') return true;
  const status = candidate.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status >= 500 || status === 429);
}

interface Prepared<TRef> {
  index: number;
  item: RelayItem<TRef>;
  entry?: PutEventsEntry;
  sizeBytes?: number;
}

class Stop extends Error {
  constructor(
    public readonly reason: RelayStopReason,
    public readonly error?: unknown,
  ) {
    super(reason);
    this.name = 'RelayStop';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function correlationIdsOf<TRef>(prepared: ReadonlyArray<Prepared<TRef>>): string[] {
  return [...new Set(prepared.flatMap((p) => (p.item.envelope?.correlationId === undefined ? [] : [p.item.envelope.correlationId])))];
}

/** The aggregate an item's event belongs to: its events keep their stream order. */
function aggregateKeyOf<TRef>(prepared: Prepared<TRef>): string | undefined {
  const envelope = prepared.item.envelope;
  if (prepared.entry === undefined || envelope === undefined) return undefined;
  return `${envelope.aggregateType}\u0000${envelope.aggregateId}`;
}

/**
 * Publishes the items, each aggregate's in stream order and up to `maxConcurrentCalls` calls at
 * once, and says where Lambda must resume, if anywhere.
 */
export async function relayEvents<TRef>(items: ReadonlyArray<RelayItem<TRef>>, ports: RelayPorts<TRef>): Promise<RelayOutcome<TRef>> {
  const sleep = ports.sleep ?? defaultSleep;
  const random = ports.random ?? Math.random;
  const now = ports.now ?? Date.now;
  const safetyMarginMs = ports.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
  const backoff = ports.backoff ?? DEFAULT_BACKOFF;
  const limits = ports.limits ?? PUT_EVENTS_LIMITS;
  const maxConcurrentCalls = ports.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS;
  if (!Number.isInteger(maxConcurrentCalls) || maxConcurrentCalls < 1) {
    throw new RangeError(`maxConcurrentCalls must be an integer ≥ 1, got ${maxConcurrentCalls}`);
  }
  const metrics = ports.metrics;
  const logger = ports.logger;

  const settled: boolean[] = items.map(() => false);
  const outcome: RelayOutcome<TRef> = { batchItemFailures: [], published: [], failed: [] };

  const prepared: Array<Prepared<TRef>> = items.map((item, index) => {
    if (item.malformed !== undefined || item.envelope === undefined) return { index, item };
    const entry = toPutEventsEntry(item.envelope, ports.eventBusName);
    return { index, item, entry, sizeBytes: entrySize(entry) };
  });
  const steps = planCalls(prepared, (p) => p.sizeBytes, aggregateKeyOf, limits);
  // The first reason to stop wins; calls still in flight see it before their next retry.
  let stop: Stop | undefined;

  const markPublished = (p: Prepared<TRef>) => {
    settled[p.index] = true;
    logger?.debug?.('event published', {
      itemIdentifier: p.item.itemIdentifier,
      eventId: p.item.envelope?.id,
      correlationId: p.item.envelope?.correlationId,
    });
    outcome.published.push(p.item);
    metrics?.addMetric('EventsPublished', 'Count', 1);
    if (p.item.envelope) {
      const occurredAt = Date.parse(p.item.envelope.occurredAt);
      if (!Number.isNaN(occurredAt)) metrics?.addMetric('PublishLagMs', 'Milliseconds', Math.max(0, now() - occurredAt));
    }
  };

  const markFailed = async (p: Prepared<TRef>, failure: RelayFailure) => {
    logger?.warn('event cannot be published; recording it as failed', {
      itemIdentifier: p.item.itemIdentifier,
      eventId: p.item.envelope?.id,
      correlationId: p.item.envelope?.correlationId,
      failureCode: failure.code,
      failureMessage: failure.message,
    });
    try {
      await ports.failureSink.record(p.item, failure);
    } catch (error: unknown) {
      throw new Stop('failure-sink-error', error);
    }
    settled[p.index] = true;
    outcome.failed.push({ item: p.item, failure });
    metrics?.addMetric('EventsFailed', 'Count', 1);
  };

  const publishBatch = async (batch: Array<Prepared<TRef>>) => {
    let pending = batch;
    for (let attempt = 0; ; attempt++) {
      metrics?.addMetric('BatchFill', 'Count', pending.length);
      let retry: Array<Prepared<TRef>>;
      try {
        const results = await ports.publisher.putEvents(pending.map((p) => p.entry as PutEventsEntry));
        retry = [];
        const terminal: Array<[Prepared<TRef>, RelayFailure]> = [];
        pending.forEach((p, i) => {
          const result = results[i];
          if (result !== undefined && !result.errorCode) {
            markPublished(p);
            return;
          }
          const code = result?.errorCode ?? 'MissingResultEntry';
          if (RETRYABLE_ENTRY_ERROR_CODES.has(code)) retry.push(p);
          else terminal.push([p, { code, message: result?.errorMessage ?? code }]);
        });
        for (const [p, failure] of terminal) await markFailed(p, failure);
      } catch (error: unknown) {
        if (error instanceof Stop) throw error;
        if (!isRetryablePublishError(error)) throw new Stop('publish-error', error);
        logger?.warn('PutEvents failed as a whole; retrying', {
          error: describeError(error),
          entries: pending.length,
          attempt,
          eventIds: pending.map((p) => p.item.envelope?.id),
          correlationIds: correlationIdsOf(pending),
        });
        retry = pending;
      }
      if (retry.length === 0) return;
      if (stop !== undefined) throw stop;
      const delayMs = fullJitterDelayMs(attempt, random, backoff);
      if (ports.remainingTimeMs() - delayMs <= safetyMarginMs) throw new Stop('out-of-time');
      metrics?.addMetric('EventsRetried', 'Count', retry.length);
      logger?.info('retrying entries that PutEvents could not take yet', {
        entries: retry.length,
        attempt,
        delayMs,
        eventIds: retry.map((p) => p.item.envelope?.id),
        correlationIds: correlationIdsOf(retry),
      });
      await sleep(delayMs);
      pending = retry;
    }
  };

  const runStep = async (step: PlannedStep<Prepared<TRef>>) => {
    if (step.kind === 'publish') {
      await publishBatch(step.items);
    } else if (step.item.item.malformed !== undefined || step.sizeBytes === undefined) {
      const reason = step.item.item.malformed ?? new Error('the record holds no event envelope');
      await markFailed(step.item, { code: MALFORMED_EVENT_CODE, message: describeError(reason) });
    } else {
      await markFailed(step.item, {
        code: ENTRY_TOO_LARGE_CODE,
        message: `event is ${step.sizeBytes} bytes as an EventBridge entry; the limit is ${limits.maxBytes} bytes`,
      });
    }
  };

  const bug = await runSteps(steps, maxConcurrentCalls, runStep, (startedBefore) => {
    if (stop !== undefined) return false;
    // The first call is always attempted, so each invocation makes progress even with a function
    // timeout shorter than the margin.
    if (startedBefore && ports.remainingTimeMs() <= safetyMarginMs) stop = new Stop('out-of-time');
    return stop === undefined;
  }, (error) => {
    if (!(error instanceof Stop)) return true;
    stop ??= error;
    return false;
  });
  if (bug !== undefined) throw bug.error;

  if (stop !== undefined) {
    const firstUnsettled = settled.indexOf(false);
    if (firstUnsettled === -1) return outcome;
    const itemIdentifier = items[firstUnsettled].itemIdentifier;
    const firstEnvelope = items[firstUnsettled].envelope;
    outcome.batchItemFailures = [{ itemIdentifier }];
    outcome.stopped = { itemIdentifier, reason: stop.reason, error: stop.error };
    logger?.error('relay stopped; Lambda will retry from the first unsettled record', {
      itemIdentifier,
      eventId: firstEnvelope?.id,
      correlationId: firstEnvelope?.correlationId,
      reason: stop.reason,
      error: stop.error === undefined ? undefined : describeError(stop.error),
      settled: settled.filter(Boolean).length,
      total: items.length,
    });
  }
  return outcome;
}

/**
 * Runs the plan's steps, each once all the steps it waits for are done, at most `limit` at a time,
 * earliest step first. `mayStart` is asked before each start (with whether anything started
 * before); once it says no, nothing more starts and the steps in flight are awaited. A step that
 * throws is handed to `onError`: true means the error is not a planned stop (a bug), which also
 * ends the run and is returned, first one wins.
 */
async function runSteps<T>(
  steps: ReadonlyArray<PlannedStep<T>>,
  limit: number,
  run: (step: PlannedStep<T>) => Promise<void>,
  mayStart: (startedBefore: boolean) => boolean,
  onError: (error: unknown) => boolean,
): Promise<{ error: unknown } | undefined> {
  const state: Array<'waiting' | 'running' | 'done' | 'failed'> = steps.map(() => 'waiting');
  let running = 0;
  let started = 0;
  let halted = false;
  let bug: { error: unknown } | undefined;
  let firstWaiting = 0;
  return new Promise((resolve) => {
    const pump = () => {
      while (firstWaiting < steps.length && state[firstWaiting] !== 'waiting') firstWaiting++;
      for (let index = firstWaiting; !halted && running < limit && index < steps.length; index++) {
        if (state[index] !== 'waiting' || !steps[index].after.every((before) => state[before] === 'done')) continue;
        if (!mayStart(started > 0)) {
          halted = true;
          break;
        }
        state[index] = 'running';
        running++;
        started++;
        run(steps[index]).then(
          () => {
            state[index] = 'done';
          },
          (error: unknown) => {
            state[index] = 'failed';
            halted = true;
            if (onError(error)) bug ??= { error };
          },
        ).finally(() => {
          running--;
          pump();
        });
      }
      if (running === 0) resolve(bug);
    };
    pump();
  });
}
