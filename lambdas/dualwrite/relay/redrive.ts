/**
 * Redrive: publish again events that the relay could not, read from the table itself.
 *
 * - `redriveFailedOutboxItems` takes the items the relay marked FAILED (outbox items, and the
 *   failure items of change data capture) from the sparse `FailedOutbox` index.
 * - `republishOutboxItems` takes every outbox item whose event occurred in a time window. It serves
 *   the stream's on-failure DLQ, whose messages hold batch metadata only (shard, sequence range,
 *   arrival times), never the records (docs/design.md#redrive): the window is read off those arrival times.
 *
 * Both go through the relay algorithm, so batching, retries and terminal failures behave exactly as
 * in the Lambda. Republishing is always safe: consumers deduplicate on `detail.id`. Events are sent
 * in (pk, sk) order, which for outbox items is aggregate version order.
 */
import { QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_OUTBOX_TTL_SECONDS, envelopeFromOutboxImage, FAILED_OUTBOX_INDEX_NAME, FAILED_STATUS, OUTBOX_SORT_KEY_PREFIX } from '../outbox';
import { OutboxFailureMarker } from './outbox-failure-marker';
import { relayEvents, type EventPublisher, type RelayItem, type RelayLogger, type RelayPorts } from './relay-algorithm';
import { itemKeyOf, type ItemKey, type OutboxItemRef } from './stream-records';

export interface RepublishOptions {
  documentClient: Pick<DynamoDBDocumentClient, 'send'>;
  tableName: string;
  publisher: EventPublisher;
  eventBusName: string;
  /** TTL given back to an item whose FAILED mark is cleared. @default 7 days */
  ttlSeconds?: number;
  /** How long retries of throttled entries may go on in total. @default 5 minutes */
  timeBudgetMs?: number;
  now?: () => Date;
  logger?: RelayLogger;
  /** Tuning and test seams of the algorithm. */
  relay?: Pick<RelayPorts, 'safetyMarginMs' | 'sleep' | 'random' | 'backoff' | 'limits'>;
}

export interface RedriveFailedOptions extends RepublishOptions {
  /** At most this many FAILED items per run. @default all */
  limit?: number;
  /** @default FAILED_OUTBOX_INDEX_NAME */
  indexName?: string;
}

export interface RepublishWindowOptions extends RepublishOptions {
  /** Inclusive bounds on the envelope's `occurredAt`. */
  from: Date;
  to: Date;
}

export interface RepublishReport {
  /** Items read from the table. */
  found: number;
  republished: number;
  /** Items that failed terminally again; they are (still) marked FAILED. */
  failed: number;
  /** Items left as they were because the run stopped (time budget spent, a whole-call error). */
  unsettled: number;
  /** Items with no publishable envelope (for example a CDC failure whose mapper threw). */
  skipped: Array<{ key: ItemKey; reason: string }>;
}

/** An item as read from the table (unmarshalled). */
export type TableItem = Record<string, unknown>;

/** What the finders need: the table, no publisher. */
export interface TableReadOptions {
  documentClient: Pick<DynamoDBDocumentClient, 'send'>;
  tableName: string;
}

const DEFAULT_TIME_BUDGET_MS = 5 * 60_000;

function compareKeys(a: ItemKey, b: ItemKey): number {
  if (a.pk !== b.pk) return a.pk < b.pk ? -1 : 1;
  return a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0;
}

/**
 * Republishes items already read from the table (outbox items or CDC failure items): through the
 * relay algorithm, in (pk, sk) order; clears the FAILED mark of each one published.
 */
export async function republishTableItems(tableItems: readonly TableItem[], options: RepublishOptions): Promise<RepublishReport> {
  const now = options.now ?? (() => new Date());
  const report: RepublishReport = { found: tableItems.length, republished: 0, failed: 0, unsettled: 0, skipped: [] };
  const relayItems: Array<RelayItem<OutboxItemRef>> = [];
  const keyed = tableItems.flatMap((image) => {
    const key = itemKeyOf(image);
    return key === undefined ? [] : [{ key, image }];
  });
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  for (const { key, image } of keyed) {
    try {
      const envelope = envelopeFromOutboxImage(image);
      relayItems.push({ itemIdentifier: `${key.pk} ${key.sk}`, envelope, ref: { key, image, sequenceNumber: '' } });
    } catch (error: unknown) {
      report.skipped.push({ key, reason: error instanceof Error ? error.message : String(error) });
    }
  }

  const deadline = Date.now() + (options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS);
  const outcome = await relayEvents(relayItems, {
    safetyMarginMs: 0,
    ...options.relay,
    eventBusName: options.eventBusName,
    publisher: options.publisher,
    failureSink: new OutboxFailureMarker({ documentClient: options.documentClient, tableName: options.tableName, now }),
    remainingTimeMs: () => deadline - Date.now(),
    logger: options.logger,
  });

  const expiresAt = Math.floor(now().getTime() / 1000) + (options.ttlSeconds ?? DEFAULT_OUTBOX_TTL_SECONDS);
  for (const item of outcome.published) {
    report.republished++;
    if (item.ref.image?.failedStatus !== FAILED_STATUS) continue;
    await options.documentClient.send(
      new UpdateCommand({
        TableName: options.tableName,
        Key: { pk: item.ref.key.pk, sk: item.ref.key.sk },
        UpdateExpression: 'SET expiresAt = :expiresAt REMOVE failedStatus, failedAt, failureCode, failureMessage',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':expiresAt': expiresAt },
      }),
    );
  }
  report.failed = outcome.failed.length;
  report.unsettled = relayItems.length - outcome.published.length - outcome.failed.length;
  return report;
}

/** The items of the sparse `FailedOutbox` index, oldest failure first, at most `limit`. */
export async function findFailedOutboxItems(
  options: TableReadOptions & Pick<RedriveFailedOptions, 'limit' | 'indexName'>,
): Promise<TableItem[]> {
  const items: TableItem[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const remaining = options.limit === undefined ? undefined : options.limit - items.length;
    const page = await options.documentClient.send(
      new QueryCommand({
        TableName: options.tableName,
        IndexName: options.indexName ?? FAILED_OUTBOX_INDEX_NAME,
        KeyConditionExpression: 'failedStatus = :failed',
        ExpressionAttributeValues: { ':failed': FAILED_STATUS },
        ExclusiveStartKey: exclusiveStartKey,
        ...(remaining === undefined ? {} : { Limit: remaining }),
      }),
    );
    items.push(...((page.Items ?? []) as TableItem[]));
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey !== undefined && (options.limit === undefined || items.length < options.limit));
  return items;
}

/** Republishes the items of the `FailedOutbox` index and, for each one published, clears its FAILED mark. */
export async function redriveFailedOutboxItems(options: RedriveFailedOptions): Promise<RepublishReport> {
  return republishTableItems(await findFailedOutboxItems(options), options);
}

/**
 * Every outbox item whose envelope occurred within [from, to]. It scans the table (an operator's
 * tool, not a hot path). When the bounds come from a stream DLQ message's arrival times (stream
 * record creation times, to the second), widen them by a margin for clock skew between the writer
 * and DynamoDB: `occurredAt` is stamped by the writer just before its transaction.
 */
export async function findOutboxItemsInWindow(options: TableReadOptions & Pick<RepublishWindowOptions, 'from' | 'to'>): Promise<TableItem[]> {
  if (!(options.from.getTime() <= options.to.getTime())) {
    throw new RangeError(`from (${options.from.toISOString()}) must not be after to (${options.to.toISOString()})`);
  }
  const items: TableItem[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await options.documentClient.send(
      new ScanCommand({
        TableName: options.tableName,
        FilterExpression: 'begins_with(#sk, :prefix) AND #envelope.#occurredAt BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#sk': 'sk', '#envelope': 'envelope', '#occurredAt': 'occurredAt' },
        ExpressionAttributeValues: {
          ':prefix': OUTBOX_SORT_KEY_PREFIX,
          ':from': options.from.toISOString(),
          ':to': options.to.toISOString(),
        },
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    items.push(...((page.Items ?? []) as TableItem[]));
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey !== undefined);
  return items;
}

/** Republishes every outbox item whose envelope occurred within [from, to] (see findOutboxItemsInWindow). */
export async function republishOutboxItems(options: RepublishWindowOptions): Promise<RepublishReport> {
  return republishTableItems(await findOutboxItemsInWindow(options), options);
}
