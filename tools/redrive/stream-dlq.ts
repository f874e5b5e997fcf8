/**
 * `--stream-dlq`: the relay's on-failure DLQ holds batch metadata only (shard, sequence range,
 * arrival times), never records (docs/design.md#redrive). Each message's arrival window, widened by a margin,
 * selects the outbox items to republish from the table; the message is deleted only once every
 * item of its window is republished. A window whose items are gone (outbox TTL) is reported and
 * its message kept, unless `--discard-expired`.
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { findOutboxItemsInWindow, republishTableItems, type RepublishReport, type TableItem } from '../../lambdas/dualwrite/relay/redrive';
import { approximateMessageCount, receiveUntilEmpty } from './sqs-helpers';
import { note, progressBar, type ModeResult, type RedriveContext } from './context';

export interface StreamBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  firstArrival: Date;
  lastArrival: Date;
  batchSize?: number;
  streamArn?: string;
}

export interface TimeWindow {
  from: Date;
  to: Date;
}

/** A DLQ message that is not a stream on-failure record: named, and left in place. */
export class NotAStreamFailureRecordError extends Error {
  constructor(reason: string) {
    super(`not a stream on-failure record: ${reason}`);
    this.name = 'NotAStreamFailureRecordError';
  }
}

function arrival(info: Record<string, unknown>, field: string): Date {
  const value = info[field];
  const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new NotAStreamFailureRecordError(`DDBStreamBatchInfo.${field} is not a timestamp (${JSON.stringify(value)})`);
  return date;
}

/** Reads the `DDBStreamBatchInfo` of Lambda's on-failure record out of a DLQ message body. */
export function parseStreamDlqMessage(body: string | undefined): StreamBatchInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    throw new NotAStreamFailureRecordError('the body is not JSON');
  }
  const info = (parsed as { DDBStreamBatchInfo?: unknown } | null)?.DDBStreamBatchInfo;
  if (typeof info !== 'object' || info === null) throw new NotAStreamFailureRecordError('it has no DDBStreamBatchInfo');
  const fields = info as Record<string, unknown>;
  const firstArrival = arrival(fields, 'approximateArrivalOfFirstRecord');
  const lastArrival = arrival(fields, 'approximateArrivalOfLastRecord');
  return {
    shardId: String(fields.shardId ?? ''),
    startSequenceNumber: String(fields.startSequenceNumber ?? ''),
    endSequenceNumber: String(fields.endSequenceNumber ?? ''),
    firstArrival: firstArrival <= lastArrival ? firstArrival : lastArrival,
    lastArrival: firstArrival <= lastArrival ? lastArrival : firstArrival,
    ...(typeof fields.batchSize === 'number' ? { batchSize: fields.batchSize } : {}),
    ...(typeof fields.streamArn === 'string' ? { streamArn: fields.streamArn } : {}),
  };
}

/**
 * The window of envelope `occurredAt` times a DLQ message covers: its arrival times (stream record
 * creation, to the second) widened by `marginMs` on each side. `occurredAt` is stamped by the writer
 * just before its transaction, on another clock: the margin absorbs that and the rounding.
 */
export function windowOf(info: Pick<StreamBatchInfo, 'firstArrival' | 'lastArrival'>, marginMs: number): TimeWindow {
  // Arrival times are truncated to the second: the last record may have arrived up to 1 s later.
  return { from: new Date(info.firstArrival.getTime() - marginMs), to: new Date(info.lastArrival.getTime() + 999 + marginMs) };
}

/** Overlapping or touching windows merged, sorted by start: one table scan serves several messages. */
export function mergeWindows(windows: readonly TimeWindow[]): TimeWindow[] {
  const sorted = [...windows].sort((a, b) => a.from.getTime() - b.from.getTime());
  const merged: TimeWindow[] = [];
  for (const window of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && window.from.getTime() <= last.to.getTime()) {
      if (window.to.getTime() > last.to.getTime()) last.to = window.to;
    } else {
      merged.push({ from: window.from, to: window.to });
    }
  }
  return merged;
}

function occurredAtOf(item: TableItem): number {
  const envelope = item.envelope as { occurredAt?: unknown } | undefined;
  return typeof envelope?.occurredAt === 'string' ? Date.parse(envelope.occurredAt) : Number.NaN;
}

const within = (item: TableItem, window: TimeWindow) => {
  const at = occurredAtOf(item);
  return at >= window.from.getTime() && at <= window.to.getTime();
};

/** The operator's sentence for a window with no outbox item left. */
export function emptyWindowMessage(info: StreamBatchInfo, window: TimeWindow, outboxTtlSeconds: number, now: Date): string {
  const ttlDays = outboxTtlSeconds / 86_400;
  const expiredBefore = new Date(now.getTime() - outboxTtlSeconds * 1000);
  const covers = `the DLQ message covers ${window.from.toISOString()}..${window.to.toISOString()} (shard ${info.shardId}, sequence ${info.startSequenceNumber}..${info.endSequenceNumber})`;
  if (window.from.getTime() < expiredBefore.getTime()) {
    return (
      `${covers} but no outbox item of that window remains (outbox TTL is ${ttlDays} days; items written before ` +
      `${expiredBefore.toISOString()} have expired): nothing to republish — use \`npm run replay -- --from ${window.from.toISOString()} --to ${window.to.toISOString()}\` over the archive instead`
    );
  }
  return (
    `${covers} but the table holds no outbox item of that window, although it is younger than the outbox TTL (${ttlDays} days): ` +
    'nothing to republish — is this the relay DLQ of this stack? (the CDC DLQ cannot be redriven from the table)'
  );
}

interface PendingMessage {
  message: Message;
  info: StreamBatchInfo;
  window: TimeWindow;
}

export async function redriveStreamDlq(context: RedriveContext): Promise<ModeResult> {
  const queueUrl = context.outputs.require('RelayDeadLetterQueueUrl');
  const tableName = context.outputs.require('TableName');
  const bar = progressBar(context, 'stream DLQ messages', await approximateMessageCount(context.sqs, queueUrl));
  const totals: RepublishReport = { found: 0, republished: 0, failed: 0, unsettled: 0, skipped: [] };
  let read = 0;
  let deleted = 0;
  let expired = 0;
  const kept: Message[] = [];

  const keep = (message: Message) => kept.push(message);
  const remove = async (message: Message) => {
    await context.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    deleted++;
  };

  await receiveUntilEmpty(context.sqs, queueUrl, {
    waitTimeSeconds: context.receiveWaitSeconds,
    limit: context.limit,
    // Hidden while this run works on it; messages kept are made visible again at the end.
    visibilityTimeoutSeconds: context.dryRun ? 60 : 900,
    onBatch: async (messages) => {
      read += messages.length;
      const pending: PendingMessage[] = [];
      for (const message of messages) {
        try {
          const info = parseStreamDlqMessage(message.Body);
          pending.push({ message, info, window: windowOf(info, context.marginMs) });
        } catch (error: unknown) {
          note(context, `DLQ message ${message.MessageId}: ${error instanceof Error ? error.message : String(error)}; left in place`);
          keep(message);
        }
      }
      for (const window of mergeWindows(pending.map((p) => p.window))) {
        const group = pending.filter((p) => p.window.from >= window.from && p.window.to <= window.to);
        const items = await findOutboxItemsInWindow({ documentClient: context.documentClient, tableName, ...window });
        const withItems: PendingMessage[] = [];
        for (const p of group) {
          const count = items.filter((item) => within(item, p.window)).length;
          if (count > 0) {
            note(context, `DLQ message ${p.message.MessageId}: ${count} outbox items of ${p.window.from.toISOString()}..${p.window.to.toISOString()} ${context.dryRun ? 'would be republished' : 'to republish'}`);
            withItems.push(p);
            continue;
          }
          expired++;
          note(context, emptyWindowMessage(p.info, p.window, context.outboxTtlSeconds, context.now()));
          if (context.discardExpired && !context.dryRun) {
            await remove(p.message);
            note(context, `DLQ message ${p.message.MessageId}: discarded (--discard-expired)`);
          } else {
            keep(p.message);
          }
        }
        const covered = items.filter((item) => withItems.some((p) => within(item, p.window)));
        totals.found += covered.length;
        if (context.dryRun) {
          withItems.forEach((p) => keep(p.message));
          continue;
        }
        if (covered.length === 0) continue;
        const report = await republishTableItems(covered, {
          documentClient: context.documentClient,
          tableName,
          publisher: context.publisher,
          eventBusName: context.outputs.require('EventBusName'),
          now: context.now,
        });
        totals.republished += report.republished;
        totals.failed += report.failed;
        totals.unsettled += report.unsettled;
        totals.skipped.push(...report.skipped);
        const allRepublished = report.failed === 0 && report.unsettled === 0 && report.skipped.length === 0;
        for (const p of withItems) {
          if (allRepublished) await remove(p.message);
          else keep(p.message);
        }
        if (!allRepublished) {
          note(
            context,
            `window ${window.from.toISOString()}..${window.to.toISOString()}: ${report.failed} failed again (now listed by --failed), ` +
              `${report.unsettled} unsettled, ${report.skipped.length} without a valid envelope; its DLQ messages are kept`,
          );
        }
      }
      bar.update(read);
    },
  });
  bar.finish();

  if (kept.length > 0) {
    // Make what this run kept visible again at once, so the next run (or a look at the queue) sees it.
    for (let i = 0; i < kept.length; i += 10) {
      await context.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: kept.slice(i, i + 10).map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
  }

  const left = context.dryRun ? 0 : kept.length;
  const summary = context.dryRun
    ? `stream-dlq (dry run): ${read} DLQ messages, ${totals.found} outbox items would be republished, ${expired} with no outbox item left; nothing changed`
    : `stream-dlq: ${read} DLQ messages read, ${deleted} deleted, ${kept.length} left (${expired} with no outbox item left); ` +
      `${totals.found} outbox items found, ${totals.republished} republished, ${totals.failed} failed again, ${totals.unsettled} unsettled, ${totals.skipped.length} skipped`;
  return { summary, left };
}
