/**
 * TTL expiry, emulated: moto ignores TTL (docs/design.md#local-runtime), so the local runtime deletes expired items
 * itself, for every table whose template enables `TimeToLiveSpecification`.
 *
 * A sweep, per table: a paginated Scan that returns only the keys and the TTL attribute of items whose
 * TTL attribute is a number, in the past, and not more than five years in the past (DynamoDB ignores
 * other values, and so does this); then, item by item, a `DeleteItem` on the condition that the TTL
 * attribute still holds the value the scan saw, so an item rewritten meanwhile survives. Before each
 * DeleteItem the deletion is announced to `TtlDeletions`, so the stream record converter gives the
 * resulting REMOVE record DynamoDB's TTL `userIdentity`.
 *
 * One sweep at a time: `sweep()` during a sweep waits for it and then runs one more (shared by every
 * caller that asks meanwhile), so a sweep asked for always starts after the ask.
 */
import {
  DeleteItemCommand,
  ScanCommand,
  type AttributeValue as SdkAttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { toLambdaImage } from './dynamodb-stream-records';
import { Sleeper, ThrottledErrorLog } from './function-invoker';
import { conditionHolds, type IntrinsicScope } from './intrinsics';
import { errorMessage, type RuntimeLog } from './log';
import { resourcesOfType, type CfnTemplate } from './template';
import type { TtlDeletions } from './ttl-deletions';

/** DynamoDB's TTL leaves alone items whose TTL is more than five years in the past. */
export const TTL_MAXIMUM_AGE_SECONDS = 5 * 365 * 24 * 60 * 60;
export const DEFAULT_TTL_SWEEP_INTERVAL_MS = 60_000;

export interface TtlTable {
  logicalId: string;
  tableName: string;
  ttlAttribute: string;
  /** Partition key, then sort key if any. */
  keyAttributes: string[];
  /** Whether the table has a stream (only then are deletions announced for the converter). */
  hasStream: boolean;
}

/** The template's tables (`AWS::DynamoDB::Table`, `AWS::DynamoDB::GlobalTable`) with TTL enabled. */
export function ttlTablesOf(
  template: CfnTemplate,
  provisioned: { resources: ReadonlyMap<string, { ref: unknown }>; scope: IntrinsicScope; resolve(value: unknown): unknown },
): TtlTable[] {
  const tables: TtlTable[] = [];
  for (const type of ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']) {
    for (const [logicalId, resource] of resourcesOfType(template, type)) {
      if (!conditionHolds(resource.Condition, provisioned.scope)) continue;
      const local = provisioned.resources.get(logicalId);
      if (local === undefined || typeof local.ref !== 'string') continue;
      const properties = resource.Properties ?? {};
      const ttl = provisioned.resolve(properties.TimeToLiveSpecification ?? null) as { AttributeName?: unknown; Enabled?: unknown } | null;
      if (ttl === null || typeof ttl.AttributeName !== 'string' || ttl.AttributeName === '') continue;
      if (!(ttl.Enabled === undefined || ttl.Enabled === true || ttl.Enabled === 'true')) continue;
      const keySchema = (provisioned.resolve(properties.KeySchema ?? []) as Array<{ AttributeName: string; KeyType: string }>) ?? [];
      const keyAttributes = [...keySchema]
        .sort((a, b) => (a.KeyType === 'HASH' ? -1 : 0) - (b.KeyType === 'HASH' ? -1 : 0))
        .map((key) => key.AttributeName);
      const stream = provisioned.resolve(properties.StreamSpecification ?? null) as { StreamViewType?: unknown; StreamEnabled?: unknown } | null;
      tables.push({
        logicalId,
        tableName: local.ref,
        ttlAttribute: ttl.AttributeName,
        keyAttributes,
        hasStream: stream !== null && stream.StreamEnabled !== false && stream.StreamEnabled !== 'false',
      });
    }
  }
  return tables;
}

/** `LOCAL_TTL_SWEEP_INTERVAL_MS`: milliseconds between sweeps; 0 turns periodic sweeps off. */
export function ttlSweepIntervalFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_TTL_SWEEP_INTERVAL_MS;
  const interval = Number(raw.trim());
  if (!Number.isInteger(interval) || interval < 0) {
    throw new Error(`LOCAL_TTL_SWEEP_INTERVAL_MS=${raw} is not a number of milliseconds (a whole number, 0 to turn periodic sweeps off)`);
  }
  return interval;
}

/**
 * The TTL attribute's value if it makes the item expired at `nowSeconds`, as DynamoDB decides: a
 * number (type N) of epoch seconds, before now and not more than five years before. Else undefined.
 */
export function expiredTtlValue(value: SdkAttributeValue | undefined, nowSeconds: number): string | undefined {
  const number = value?.N;
  if (number === undefined) return undefined;
  const seconds = Number(number);
  if (!Number.isFinite(seconds)) return undefined;
  return seconds < nowSeconds && seconds >= nowSeconds - TTL_MAXIMUM_AGE_SECONDS ? number : undefined;
}

/** The Scan of one page of expired items: keys and the TTL attribute only. */
export function expiredItemsScan(table: TtlTable, nowSeconds: number, exclusiveStartKey?: Record<string, SdkAttributeValue>) {
  const names: Record<string, string> = { '#ttl': table.ttlAttribute };
  table.keyAttributes.forEach((attribute, index) => (names[`#k${index}`] = attribute));
  return new ScanCommand({
    TableName: table.tableName,
    // attribute_type first: moto compares a string with a number by raising, and fails the whole Scan.
    FilterExpression: 'attribute_type(#ttl, :number) AND #ttl < :now AND #ttl >= :oldest',
    ProjectionExpression: [...table.keyAttributes.map((_, index) => `#k${index}`), '#ttl'].join(', '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: {
      ':number': { S: 'N' },
      ':now': { N: String(nowSeconds) },
      ':oldest': { N: String(nowSeconds - TTL_MAXIMUM_AGE_SECONDS) },
    },
    ...(exclusiveStartKey !== undefined ? { ExclusiveStartKey: exclusiveStartKey } : {}),
  });
}

export interface TtlSweepResult {
  /** Items deleted, in all tables. */
  deleted: number;
  /** Items deleted, per table name (tables with none are left out). */
  deletedByTable: Record<string, number>;
  /** Expired items that changed before their DeleteItem (the condition failed), so were kept. */
  rewritten: number;
}

export interface TtlSweeperOptions {
  tables: readonly TtlTable[];
  dynamodb: DynamoDBClient;
  deletions: TtlDeletions;
  log: RuntimeLog;
  /** Milliseconds between the end of a sweep and the next; 0: only `sweep()`. @default 60 000 */
  intervalMs?: number;
  /** @default Date.now */
  now?: () => number;
}

export class TtlSweeper {
  private readonly options: TtlSweeperOptions;
  private readonly sleeper = new Sleeper();
  private running?: Promise<TtlSweepResult>;
  private queued?: Promise<TtlSweepResult>;
  private loop?: Promise<void>;
  private stopped = false;

  constructor(options: TtlSweeperOptions) {
    this.options = options;
  }

  get tables(): readonly TtlTable[] {
    return this.options.tables;
  }

  /** Starts the periodic sweeps (none if there is no TTL table or the interval is 0). */
  start(): void {
    const interval = this.options.intervalMs ?? DEFAULT_TTL_SWEEP_INTERVAL_MS;
    if (this.options.tables.length === 0 || interval <= 0 || this.loop !== undefined) return;
    this.loop = (async () => {
      const errors = new ThrottledErrorLog((message) => this.options.log.error(message));
      for (;;) {
        await this.sleeper.sleep(interval);
        if (this.stopped) return;
        try {
          await this.sweep();
          errors.clear();
        } catch (error) {
          errors.report(`TTL sweep failed: ${errorMessage(error)}`);
        }
      }
    })();
  }

  /** Stops the periodic sweeps and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper.wakeAll();
    await this.loop;
    await Promise.allSettled([this.running, this.queued]);
  }

  /** Sweeps every TTL table once, now (after the sweep in progress, if any). */
  sweep(): Promise<TtlSweepResult> {
    if (this.queued !== undefined) return this.queued;
    if (this.running === undefined) return this.begin();
    const queued = this.running.then(
      () => this.begin(),
      () => this.begin(),
    );
    this.queued = queued;
    return queued;
  }

  private begin(): Promise<TtlSweepResult> {
    this.queued = undefined;
    const running = this.sweepAll().finally(() => {
      if (this.running === running) this.running = undefined;
    });
    this.running = running;
    return running;
  }

  private async sweepAll(): Promise<TtlSweepResult> {
    const result: TtlSweepResult = { deleted: 0, deletedByTable: {}, rewritten: 0 };
    const failures: string[] = [];
    for (const table of this.options.tables) {
      try {
        await this.sweepTable(table, result);
      } catch (error) {
        failures.push(`table ${table.tableName}: ${errorMessage(error)}`);
      }
    }
    if (result.deleted > 0) {
      const perTable = Object.entries(result.deletedByTable).map(([name, count]) => `${count} in ${name}`);
      this.options.log.info(`TTL sweep: deleted ${result.deleted} expired item(s) (${perTable.join(', ')})`);
    }
    if (failures.length > 0) throw new Error(failures.join('; '));
    return result;
  }

  private async sweepTable(table: TtlTable, result: TtlSweepResult): Promise<void> {
    const { dynamodb, deletions } = this.options;
    const nowSeconds = Math.floor((this.options.now ?? Date.now)() / 1000);
    let exclusiveStartKey: Record<string, SdkAttributeValue> | undefined;
    do {
      const page = await dynamodb.send(expiredItemsScan(table, nowSeconds, exclusiveStartKey));
      exclusiveStartKey = page.LastEvaluatedKey;
      for (const item of page.Items ?? []) {
        const ttlValue = expiredTtlValue(item[table.ttlAttribute], nowSeconds);
        if (ttlValue === undefined) continue;
        const key: Record<string, SdkAttributeValue> = {};
        for (const attribute of table.keyAttributes) {
          if (item[attribute] !== undefined) key[attribute] = item[attribute];
        }
        if (Object.keys(key).length !== table.keyAttributes.length) continue;
        // Announced before the request: a poller can read the REMOVE record before we see the answer.
        const announcement = table.hasStream
          ? deletions.announce(table.tableName, toLambdaImage(key), table.ttlAttribute, ttlValue)
          : undefined;
        try {
          await dynamodb.send(
            new DeleteItemCommand({
              TableName: table.tableName,
              Key: key,
              ConditionExpression: '#ttl = :seen',
              ExpressionAttributeNames: { '#ttl': table.ttlAttribute },
              ExpressionAttributeValues: { ':seen': { N: ttlValue } },
            }),
          );
        } catch (error) {
          announcement?.withdraw();
          if (error instanceof Error && error.name === 'ConditionalCheckFailedException') {
            result.rewritten += 1;
            continue;
          }
          throw error;
        }
        result.deleted += 1;
        result.deletedByTable[table.tableName] = (result.deletedByTable[table.tableName] ?? 0) + 1;
      }
    } while (exclusiveStartKey !== undefined);
  }
}
