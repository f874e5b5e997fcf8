/**
 * A DynamoDB stream event source mapping, emulated: Lambda's poller for one stream, feeding one
 * function, honouring the mapping's settings (docs/design.md#local-runtime). Event source mappings are never created in
 * moto: it would try Docker and then drop the stream records.
 *
 * Per shard, one batch at a time, in order:
 * - every poll takes a FRESH shard iterator (`AFTER_SEQUENCE_NUMBER` of the checkpoint, or
 *   `TRIM_HORIZON` before the first checkpoint): in moto an iterator held across a cancelled
 *   transaction can read records that were rolled back;
 * - records are converted to Lambda's `DynamoDBRecord` shape, then filtered (`FilterCriteria`);
 *   records that match no filter are dropped and checkpointed past, as Lambda does;
 * - a batch is `BatchSize` matching records, or fewer once `MaximumBatchingWindowInSeconds` ran out;
 * - on a function error the batch is bisected (`BisectBatchOnFunctionError`; bisecting does not count
 *   as a retry) and retried up to `MaximumRetryAttempts` (-1: forever); records older than
 *   `MaximumRecordAgeInSeconds` are given up; with `ReportBatchItemFailures` the function's
 *   `batchItemFailures` checkpoint before the lowest named record and retry from it;
 * - a batch given up on goes to `DestinationConfig.OnFailure` as Lambda's metadata-only record,
 *   and the poller moves on.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as SdkStreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import { toLambdaDynamoDBRecord } from './dynamodb-stream-records';
import { matchesAnyFilter, parseFilterCriteria, type FilterPattern } from './filter-criteria';
import { failedItemIdentifiers, Sleeper, ThrottledErrorLog, type FunctionInvoker } from './function-invoker';
import { errorMessage, type RuntimeLog } from './log';
import { streamOnFailureRecord, type OnFailureCondition } from './on-failure-record';
import { OnFailureDestination } from './on-failure-destination';
import type { TtlDeletionLookup } from './ttl-deletions';
import type { EventSourceFaults } from './faults';
import type { InvocationResult } from './lambda-runtime';

export interface StreamEventSourceSettings {
  /** @default 100 */
  batchSize: number;
  /** @default 0 */
  maximumBatchingWindowSeconds: number;
  /** @default 'TRIM_HORIZON' (`LATEST` starts after the records already in the stream) */
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  filters: FilterPattern[];
  /** @default false */
  bisectBatchOnFunctionError: boolean;
  /** -1: retry until the record expires. @default -1 */
  maximumRetryAttempts: number;
  /** -1: no limit. @default -1 */
  maximumRecordAgeSeconds: number;
  /** `FunctionResponseTypes: [ReportBatchItemFailures]`. @default false */
  reportBatchItemFailures: boolean;
  /** ARN of the on-failure destination (an SQS queue). */
  onFailureDestinationArn?: string;
}

/** The settings of an `AWS::Lambda::EventSourceMapping` (properties already resolved), with Lambda's defaults. */
export function streamSettingsFromMapping(properties: Record<string, unknown>): StreamEventSourceSettings {
  const startingPosition = properties.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON';
  const destination = (properties.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination;
  return {
    batchSize: numberOr(properties.BatchSize, 100),
    maximumBatchingWindowSeconds: numberOr(properties.MaximumBatchingWindowInSeconds, 0),
    startingPosition,
    filters: parseFilterCriteria(properties.FilterCriteria),
    bisectBatchOnFunctionError: properties.BisectBatchOnFunctionError === true || properties.BisectBatchOnFunctionError === 'true',
    maximumRetryAttempts: numberOr(properties.MaximumRetryAttempts, -1),
    maximumRecordAgeSeconds: numberOr(properties.MaximumRecordAgeInSeconds, -1),
    reportBatchItemFailures: Array.isArray(properties.FunctionResponseTypes) && properties.FunctionResponseTypes.includes('ReportBatchItemFailures'),
    ...(typeof destination === 'string' ? { onFailureDestinationArn: destination } : {}),
  };
}

export function numberOr(value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const number = Number(value);
  return Number.isFinite(number) ? number : fallback;
}

export interface StreamEventSourceOptions {
  /** For log lines, e.g. the mapping's logical id. */
  name: string;
  streamArn: string;
  function: FunctionInvoker;
  settings: StreamEventSourceSettings;
  streams: DynamoDBStreamsClient;
  /** Sends on-failure records; needed when the settings name a destination. */
  sqs?: SQSClient;
  log: RuntimeLog;
  /** The local TTL sweeper's deletions: their REMOVE records carry DynamoDB's TTL `userIdentity`. */
  ttlDeletions?: TtlDeletionLookup;
  /** Pause between polls of an idle shard (Lambda polls a DynamoDB stream shard four times a second). @default 100 */
  pollIntervalMs?: number;
  /** Pause before retry n (1, 2, …) of a failed batch. @default 100 ms doubling up to 5 s */
  retryDelayMs?: (retry: number) => number;
  /** How often to look for new shards. @default 10 s */
  shardRefreshMs?: number;
  /** Fault injection (chaos runs only, local/faults.ts). @default none */
  faults?: EventSourceFaults;
}

class Stopped extends Error {
  constructor() {
    super('event source stopped');
    this.name = 'Stopped';
  }
}

interface GatheredBatch {
  records: DynamoDBRecord[];
  /** Sequence number of the last record looked at (matching or not). */
  lastScanned?: string;
  shardClosed: boolean;
}

export class DynamoDbStreamEventSource {
  private readonly options: StreamEventSourceOptions;
  private readonly settings: StreamEventSourceSettings;
  private readonly sleeper = new Sleeper();
  private readonly shardLoops = new Map<string, Promise<void>>();
  private readonly finishedShards = new Set<string>();
  private readonly checkpoints = new Map<string, string>();
  private readonly destination?: OnFailureDestination;
  private readonly pollIntervalMs: number;
  private mainLoop?: Promise<void>;
  private stopped = false;

  constructor(options: StreamEventSourceOptions) {
    this.options = options;
    this.settings = options.settings;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    if (options.settings.onFailureDestinationArn !== undefined) {
      this.destination = new OnFailureDestination(options.settings.onFailureDestinationArn, options.sqs, options.log);
    }
  }

  /** The last sequence number fully handled on each shard. */
  get shardCheckpoints(): ReadonlyMap<string, string> {
    return this.checkpoints;
  }

  start(): void {
    this.mainLoop ??= this.watchShards();
  }

  /** Stops polling; a batch in flight is abandoned without a checkpoint (as if the poller had died). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper.wakeAll();
    await this.mainLoop;
    await Promise.all(this.shardLoops.values());
  }

  private async watchShards(): Promise<void> {
    const errors = new ThrottledErrorLog((message) => this.options.log.error(message));
    while (!this.stopped) {
      try {
        for (const shard of await this.describeShards()) {
          const shardId = shard.ShardId!;
          if (this.shardLoops.has(shardId)) continue;
          // A child shard waits until its parent is drained, so one key's records stay in order.
          const parent = shard.ParentShardId;
          if (parent !== undefined && this.shardLoops.has(parent) && !this.finishedShards.has(parent)) continue;
          this.shardLoops.set(shardId, this.pollShard(shardId));
        }
        errors.clear();
      } catch (error) {
        errors.report(`${this.options.name}: DescribeStream ${this.options.streamArn} failed: ${errorMessage(error)}`);
      }
      await this.sleeper.sleep(this.options.shardRefreshMs ?? 10_000);
    }
  }

  private async describeShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const page = await this.options.streams.send(
        new DescribeStreamCommand({ StreamArn: this.options.streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      shards.push(...(page.StreamDescription?.Shards ?? []));
      exclusiveStartShardId = page.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    return shards;
  }

  private async pollShard(shardId: string): Promise<void> {
    const errors = new ThrottledErrorLog((message) => this.options.log.error(message));
    try {
      if (this.settings.startingPosition === 'LATEST') await this.skipToLatest(shardId);
      while (!this.stopped) {
        try {
          const before = this.checkpoints.get(shardId);
          const batch = await this.gatherBatch(shardId);
          errors.clear();
          if (batch.records.length > 0) await this.processBatch(shardId, batch.records, 0, 0);
          if (batch.lastScanned !== undefined) this.checkpoints.set(shardId, batch.lastScanned);
          // Only records that matched no filter were read: go on reading without a pause.
          if (batch.records.length === 0 && batch.lastScanned !== before) continue;
          if (batch.records.length === 0) {
            if (batch.shardClosed) {
              this.finishedShards.add(shardId);
              return;
            }
            await this.sleeper.sleep(this.pollIntervalMs);
          }
        } catch (error) {
          if (error instanceof Stopped) return;
          errors.report(`${this.options.name}: polling shard ${shardId} failed: ${errorMessage(error)}`);
          await this.sleeper.sleep(Math.max(this.pollIntervalMs, 1000));
        }
      }
    } catch (error) {
      if (!(error instanceof Stopped)) this.options.log.error(`${this.options.name}: shard ${shardId} stopped: ${errorMessage(error)}`);
    }
  }

  /** Reads the shard from its checkpoint with a fresh iterator. */
  private async readShard(shardId: string, after: string | undefined): Promise<{ records: SdkStreamRecord[]; closed: boolean }> {
    const { ShardIterator } = await this.options.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.options.streamArn,
        ShardId: shardId,
        ...(after === undefined
          ? { ShardIteratorType: 'TRIM_HORIZON' }
          : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }),
      }),
    );
    if (ShardIterator === undefined) return { records: [], closed: true };
    const page = await this.options.streams.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
    return { records: page.Records ?? [], closed: page.NextShardIterator === undefined || page.NextShardIterator === null };
  }

  private async skipToLatest(shardId: string): Promise<void> {
    for (;;) {
      const { records } = await this.readShard(shardId, this.checkpoints.get(shardId));
      const last = records.at(-1)?.dynamodb?.SequenceNumber;
      if (last === undefined) return;
      this.checkpoints.set(shardId, last);
    }
  }

  private async gatherBatch(shardId: string): Promise<GatheredBatch> {
    const { batchSize, filters } = this.settings;
    const windowMs = this.settings.maximumBatchingWindowSeconds * 1000;
    const records: DynamoDBRecord[] = [];
    let lastScanned = this.checkpoints.get(shardId);
    let windowStarted: number | undefined;
    for (;;) {
      if (this.stopped) throw new Stopped();
      const page = await this.readShard(shardId, lastScanned);
      for (const sdkRecord of page.records) {
        const record = toLambdaDynamoDBRecord(sdkRecord, this.options.streamArn, { ttlDeletions: this.options.ttlDeletions });
        lastScanned = record.dynamodb?.SequenceNumber ?? lastScanned;
        if (!matchesAnyFilter(record, filters)) continue;
        records.push(record);
        if (records.length >= batchSize) return { records, lastScanned, shardClosed: false };
      }
      if (records.length === 0 || windowMs === 0 || page.closed) return { records, lastScanned, shardClosed: page.closed };
      windowStarted ??= Date.now();
      const remaining = windowStarted + windowMs - Date.now();
      if (remaining <= 0) return { records, lastScanned, shardClosed: false };
      await this.sleeper.sleep(Math.min(remaining, this.pollIntervalMs));
    }
  }

  /**
   * Delivers records until each one succeeded or was given up; checkpoints as it goes.
   * `retries` and `invocations` carry over from the batch this part was bisected from.
   */
  private async processBatch(shardId: string, records: DynamoDBRecord[], retries: number, invocations: number): Promise<void> {
    const { settings } = this;
    let batch = records;
    let lastRequestId: string | undefined;
    while (batch.length > 0) {
      if (this.stopped) throw new Stopped();

      const expired = this.expiredPrefix(batch);
      if (expired.length > 0) {
        await this.giveUp(shardId, expired, 'RecordAgeExceeded', invocations, lastRequestId, undefined);
        batch = batch.slice(expired.length);
        continue;
      }

      const result = await this.deliver(batch);
      invocations += 1;
      lastRequestId = result.requestId;
      if (this.stopped) throw new Stopped();

      let functionError: string | undefined;
      if (result.ok) {
        const failed = settings.reportBatchItemFailures
          ? failedItemIdentifiers(result.payload, batch.map((record) => record.dynamodb?.SequenceNumber ?? ''))
          : [];
        if (failed !== 'all' && failed.length === 0) {
          this.checkpoint(shardId, batch.at(-1)!);
          return;
        }
        // Resume from the lowest sequence number named (all of them, if an identifier was invalid).
        const firstFailed = failed === 'all' ? 0 : Math.min(...failed.map((id) => batch.findIndex((r) => r.dynamodb?.SequenceNumber === id)));
        if (firstFailed > 0) {
          this.checkpoint(shardId, batch[firstFailed - 1]!);
          batch = batch.slice(firstFailed);
        }
        this.options.log.warn(
          `${this.options.name}: ${this.options.function.functionName} reported failed items; retrying ${batch.length} record(s) from ${batch[0]!.dynamodb?.SequenceNumber}`,
        );
      } else {
        functionError = 'Unhandled';
        if (settings.bisectBatchOnFunctionError && batch.length > 1) {
          const middle = Math.ceil(batch.length / 2);
          this.options.log.warn(`${this.options.name}: bisecting a failed batch of ${batch.length} record(s)`);
          await this.processBatch(shardId, batch.slice(0, middle), retries, invocations);
          await this.processBatch(shardId, batch.slice(middle), retries, invocations);
          return;
        }
      }

      retries += 1;
      if (settings.maximumRetryAttempts >= 0 && retries > settings.maximumRetryAttempts) {
        await this.giveUp(shardId, batch, 'RetryAttemptsExhausted', invocations, lastRequestId, functionError);
        return;
      }
      await this.sleeper.sleep(this.options.retryDelayMs?.(retries) ?? Math.min(100 * 2 ** (retries - 1), 5000));
    }
  }

  /** One invocation with the batch, or what a fault plan (local/faults.ts) makes of it. */
  private async deliver(batch: DynamoDBRecord[]): Promise<InvocationResult> {
    const fn = this.options.function;
    const plan = await this.options.faults?.planStreamDelivery?.({ source: this.options.name, functionName: fn.functionName, records: batch });
    if (plan?.crashAfterRecords !== undefined) {
      const started = Date.now();
      const partial = plan.crashAfterRecords > 0 ? await fn.invoke({ Records: batch.slice(0, plan.crashAfterRecords) }) : undefined;
      this.options.log.warn(`${this.options.name}: fault injected: ${fn.functionName} crashed after ${plan.crashAfterRecords} of ${batch.length} record(s)`);
      return {
        requestId: partial?.requestId ?? randomUUID(),
        ok: false,
        error: { errorType: 'Runtime.ExitError', errorMessage: 'fault injected: the execution environment crashed mid-batch', trace: [] },
        timedOut: false,
        durationMs: Date.now() - started,
      };
    }
    const first = await fn.invoke({ Records: batch });
    if (plan?.duplicate !== true || this.stopped) return first;
    return fn.invoke({ Records: batch });
  }

  /** The leading records older than `MaximumRecordAgeInSeconds` (records are in arrival order). */
  private expiredPrefix(batch: DynamoDBRecord[]): DynamoDBRecord[] {
    const maximumAge = this.settings.maximumRecordAgeSeconds;
    if (maximumAge < 0) return [];
    const nowSeconds = Date.now() / 1000;
    const firstFresh = batch.findIndex((record) => nowSeconds - (record.dynamodb?.ApproximateCreationDateTime ?? nowSeconds) <= maximumAge);
    return firstFresh === -1 ? batch : batch.slice(0, firstFresh);
  }

  private async giveUp(
    shardId: string,
    records: DynamoDBRecord[],
    condition: OnFailureCondition,
    invocations: number,
    requestId: string | undefined,
    functionError: string | undefined,
  ): Promise<void> {
    const first = records[0]!.dynamodb?.SequenceNumber;
    const last = records.at(-1)!.dynamodb?.SequenceNumber;
    this.options.log.warn(
      `${this.options.name}: giving up on ${records.length} record(s) ${first}..${last} (${condition} after ${invocations} invocation(s))` +
        (this.destination ? `; sending batch info to ${this.destination.arn}` : '; no on-failure destination, records skipped'),
    );
    if (this.destination) {
      const message = streamOnFailureRecord({
        condition,
        approximateInvokeCount: invocations,
        requestId: requestId ?? randomUUID(),
        functionArn: this.options.function.functionArn,
        ...(functionError !== undefined ? { functionError } : {}),
        shardId,
        streamArn: this.options.streamArn,
        records,
      });
      await this.destination.send(message);
    }
    this.checkpoint(shardId, records.at(-1)!);
  }

  private checkpoint(shardId: string, record: DynamoDBRecord): void {
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    if (sequenceNumber !== undefined) this.checkpoints.set(shardId, sequenceNumber);
  }
}
