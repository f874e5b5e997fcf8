/**
 * An SQS event source mapping, emulated: receive a batch, invoke the function with Lambda's
 * `SQSEvent`, delete what succeeded.
 *
 * - Receives with `WaitTimeSeconds: 0` and polls: the local emulator serves one request at a time,
 *   so a long poll would stall every other client (see local/emulator.ts).
 * - `BatchSize` messages, or fewer once `MaximumBatchingWindowInSeconds` ran out (0: what one receive gives).
 * - Messages matching no `FilterCriteria` pattern are deleted without invoking, as Lambda does.
 * - Success deletes the batch; `batchItemFailures` (with `ReportBatchItemFailures`) keep the named
 *   messages and delete the others; an invalid identifier, a thrown error or a timeout delete
 *   nothing. Kept messages come back after the queue's visibility timeout, and the queue's own
 *   `RedrivePolicy` moves them to its DLQ after `maxReceiveCount` receives (moto does this on receive).
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { matchesAnyFilter, parseFilterCriteria, type FilterPattern } from './filter-criteria';
import { failedItemIdentifiers, Sleeper, ThrottledErrorLog, type FunctionInvoker } from './function-invoker';
import { errorMessage, type RuntimeLog } from './log';
import { sqsRecordForFiltering, toLambdaSqsRecord } from './sqs-records';
import { numberOr } from './stream-event-source';
import type { EventSourceFaults } from './faults';

export interface SqsEventSourceSettings {
  /** @default 10 */
  batchSize: number;
  /** @default 0 */
  maximumBatchingWindowSeconds: number;
  filters: FilterPattern[];
  /** @default false */
  reportBatchItemFailures: boolean;
}

export function sqsSettingsFromMapping(properties: Record<string, unknown>): SqsEventSourceSettings {
  return {
    batchSize: numberOr(properties.BatchSize, 10),
    maximumBatchingWindowSeconds: numberOr(properties.MaximumBatchingWindowInSeconds, 0),
    filters: parseFilterCriteria(properties.FilterCriteria),
    reportBatchItemFailures: Array.isArray(properties.FunctionResponseTypes) && properties.FunctionResponseTypes.includes('ReportBatchItemFailures'),
  };
}

export interface SqsEventSourceOptions {
  name: string;
  queueArn: string;
  queueUrl: string;
  function: FunctionInvoker;
  settings: SqsEventSourceSettings;
  sqs: SQSClient;
  log: RuntimeLog;
  /** Pause between receives from an empty queue. @default 100 */
  pollIntervalMs?: number;
  /** Fault injection (chaos runs only, local/faults.ts). @default none */
  faults?: EventSourceFaults;
}

export class SqsEventSource {
  private readonly options: SqsEventSourceOptions;
  private readonly sleeper = new Sleeper();
  private readonly pollIntervalMs: number;
  private loop?: Promise<void>;
  private stopped = false;

  constructor(options: SqsEventSourceOptions) {
    const visibility = options.faults?.sqsReceiveVisibilityTimeoutSeconds;
    if (visibility !== undefined && !(Number.isInteger(visibility) && visibility >= 0 && visibility <= 43_200)) {
      throw new RangeError(`${options.name}: sqsReceiveVisibilityTimeoutSeconds must be an integer from 0 to 43200 (SQS's range), not ${visibility}`);
    }
    this.options = options;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
  }

  start(): void {
    this.loop ??= this.poll();
  }

  /** Stops receiving; a batch in flight is left to come back after its visibility timeout. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper.wakeAll();
    await this.loop;
  }

  private async poll(): Promise<void> {
    const errors = new ThrottledErrorLog((message) => this.options.log.error(message));
    while (!this.stopped) {
      try {
        const messages = await this.receiveBatch();
        errors.clear();
        if (messages.length === 0) {
          await this.sleeper.sleep(this.pollIntervalMs);
          continue;
        }
        await this.deliver(messages.map((message) => toLambdaSqsRecord(message, this.options.queueArn)));
      } catch (error) {
        errors.report(`${this.options.name}: polling ${this.options.queueUrl} failed: ${errorMessage(error)}`);
        await this.sleeper.sleep(Math.max(this.pollIntervalMs, 1000));
      }
    }
  }

  private async receiveBatch(): Promise<Message[]> {
    const { batchSize, maximumBatchingWindowSeconds } = this.options.settings;
    const windowMs = maximumBatchingWindowSeconds * 1000;
    const messages: Message[] = [];
    let windowStarted: number | undefined;
    while (!this.stopped && messages.length < batchSize) {
      const answer = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: Math.min(10, batchSize - messages.length),
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          ...(this.options.faults?.sqsReceiveVisibilityTimeoutSeconds !== undefined
            ? { VisibilityTimeout: this.options.faults.sqsReceiveVisibilityTimeoutSeconds }
            : {}),
        }),
      );
      const received = answer.Messages ?? [];
      messages.push(...received);
      if (messages.length === 0 || windowMs === 0) break;
      windowStarted ??= Date.now();
      const remaining = windowStarted + windowMs - Date.now();
      if (remaining <= 0) break;
      if (received.length === 0) await this.sleeper.sleep(Math.min(remaining, this.pollIntervalMs));
    }
    return messages;
  }

  private async deliver(records: SQSRecord[]): Promise<void> {
    const { filters, reportBatchItemFailures } = this.options.settings;
    let matching: SQSRecord[] = [];
    const filteredOut: SQSRecord[] = [];
    for (const record of records) {
      // Without filters every record matches: skip parsing the bodies for nothing.
      const matches = filters.length === 0 || matchesAnyFilter(sqsRecordForFiltering(record), filters);
      (matches ? matching : filteredOut).push(record);
    }
    if (filteredOut.length > 0) await this.delete(filteredOut);
    if (matching.length === 0) return;

    const fn = this.options.function;
    const plan = await this.options.faults?.planSqsDelivery?.({ source: this.options.name, functionName: fn.functionName, records: matching });
    const refused = new Set(plan?.refuseMessageIds ?? []);
    if (refused.size > 0) {
      const refusedRecords = matching.filter((record) => refused.has(record.messageId));
      await this.releaseNow(refusedRecords);
      this.options.log.warn(`${this.options.name}: fault injected: ${fn.functionName} refused ${refusedRecords.length} message(s)`);
      matching = matching.filter((record) => !refused.has(record.messageId));
      if (matching.length === 0) return;
    }
    const delivered = (plan?.records ?? matching).filter((record) => !refused.has(record.messageId));
    let result = await fn.invoke({ Records: delivered });
    if (plan?.duplicate === true && !this.stopped) result = await fn.invoke({ Records: delivered });
    if (this.stopped) return; // the runtime is shutting down: leave the batch to its visibility timeout
    if (plan?.crashBeforeAck === true) {
      this.options.log.warn(`${this.options.name}: fault injected: ${fn.functionName} crashed before acknowledging ${matching.length} message(s)`);
      return;
    }
    if (!result.ok) {
      this.options.log.warn(
        `${this.options.name}: ${this.options.function.functionName} failed (${result.error.errorType}); ` +
          `${matching.length} message(s) stay in the queue until their visibility timeout ends`,
      );
      return;
    }
    const reported = reportBatchItemFailures ? failedItemIdentifiers(result.payload, delivered.map((record) => record.messageId)) : [];
    const failed = reported === 'all' ? reported : [...reported, ...refused];
    if (failed === 'all') {
      this.options.log.warn(`${this.options.name}: invalid batchItemFailures; the whole batch of ${matching.length} stays in the queue`);
      return;
    }
    if (failed.length > 0) {
      this.options.log.warn(`${this.options.name}: ${failed.length} of ${matching.length} message(s) reported failed; they stay in the queue`);
    }
    await this.delete(matching.filter((record) => !failed.includes(record.messageId)));
  }

  /** Visibility timeout 0: the messages can be received again right away. */
  private async releaseNow(records: SQSRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += 10) {
      await this.options.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: records.slice(start, start + 10).map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
  }

  private async delete(records: SQSRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += 10) {
      const chunk = records.slice(start, start + 10);
      const answer = await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      for (const failure of answer.Failed ?? []) {
        this.options.log.warn(`${this.options.name}: could not delete a message: ${failure.Code} ${failure.Message ?? ''}`);
      }
    }
  }
}
