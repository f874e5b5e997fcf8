/**
 * The inspector's eyes: a `FunctionInvoker` that passes every invocation of an event source mapping
 * through unchanged and tells the journal what it carried and how it ended. No Lambda code is
 * involved; this sees what Lambda's pollers would see.
 *
 * - A stream record whose new image holds an `envelope` (an outbox item): the event is committed;
 *   once the invocation reports it done, it is published by that function.
 * - Any other stream record (change data capture): the function derives the event's id from the
 *   record (`deriveEventId`, draft 0), so the `published` hop can be filed under it before the
 *   event reaches a queue.
 * - An SQS record whose body is an EventBridge event with an envelope as `detail`: delivered to
 *   that queue (at the message's `SentTimestamp`); applied, or refused, by the function.
 */
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import { deriveEventId } from '../../lambdas/dualwrite/cdc/change-data-capture';
import { tableNameFromStreamArn, unmarshallImage } from '../../lambdas/dualwrite/relay/stream-records';
import { failedItemIdentifiers, type FunctionInvoker } from '../function-invoker';
import type { InvocationResult } from '../lambda-runtime';
import type { AggregateLocation, EnvelopeLike, EventJournal } from './journal';

/** The age of the newest record of the last batch a stream mapping delivered (Lambda's `IteratorAge`). */
export interface IteratorAgeReading {
  ageMs: number;
  at: number;
}

export interface InvocationObserver {
  readonly journal: EventJournal;
  /** Function name → its stream mapping's last iterator age. */
  readonly iteratorAges: Map<string, IteratorAgeReading>;
  /** A table's partition key attribute (from the template's key schema). */
  partitionKeyOf(tableName: string): string | undefined;
}

export function observedInvoker(invoker: FunctionInvoker, observer: InvocationObserver): FunctionInvoker {
  return {
    functionName: invoker.functionName,
    functionArn: invoker.functionArn,
    async invoke(event: unknown): Promise<InvocationResult> {
      const started = Date.now();
      const result = await invoker.invoke(event);
      try {
        recordInvocation(observer, invoker.functionName, event, result, started, Date.now());
      } catch {
        // What the inspector could not read must never change what the poller does.
      }
      return result;
    },
  };
}

export function recordInvocation(
  observer: InvocationObserver,
  functionName: string,
  event: unknown,
  result: InvocationResult,
  started: number,
  ended: number,
): void {
  const records = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records) || records.length === 0) return;
  const first = records[0] as { eventSource?: string };
  if (first.eventSource === 'aws:dynamodb') recordStreamBatch(observer, functionName, records as DynamoDBRecord[], result, started, ended);
  else if (first.eventSource === 'aws:sqs') recordSqsBatch(observer.journal, functionName, records as SQSRecord[], result, ended);
}

function recordStreamBatch(
  observer: InvocationObserver,
  functionName: string,
  records: DynamoDBRecord[],
  result: InvocationResult,
  started: number,
  ended: number,
): void {
  const newest = records.at(-1)?.dynamodb?.ApproximateCreationDateTime;
  if (typeof newest === 'number') observer.iteratorAges.set(functionName, { ageMs: Math.max(0, started - newest * 1000), at: started });
  const failed = result.ok ? failedItemIdentifiers(result.payload, records.map((record) => record.dynamodb?.SequenceNumber ?? '')) : 'all';
  for (const record of records) {
    const stream = record.dynamodb;
    if (stream?.Keys === undefined || stream.SequenceNumber === undefined) continue;
    const done = failed !== 'all' && !failed.includes(stream.SequenceNumber);
    const keys = unmarshallImage(stream.Keys);
    const image = stream.NewImage === undefined ? undefined : unmarshallImage(stream.NewImage);
    const envelope = asEnvelope(image?.envelope);
    const tableName = tableNameFromStreamArn(record.eventSourceARN);
    if (envelope !== undefined) {
      observer.journal.noteEnvelope(envelope, tableName === undefined ? undefined : aggregateLocation(observer, tableName, keys));
      if (done) observer.journal.addHop(envelope.id, { kind: 'published', at: ended, where: functionName });
      continue;
    }
    if (!done || tableName === undefined || typeof stream.ApproximateCreationDateTime !== 'number') continue;
    const id = deriveEventId({
      tableName,
      keys,
      sequenceNumber: stream.SequenceNumber,
      index: 0,
      approximateCreationDateTime: new Date(stream.ApproximateCreationDateTime * 1000),
    });
    observer.journal.addHop(id, { kind: 'published', at: ended, where: functionName });
  }
}

function recordSqsBatch(journal: EventJournal, functionName: string, records: SQSRecord[], result: InvocationResult, ended: number): void {
  const failed = result.ok ? failedItemIdentifiers(result.payload, records.map((record) => record.messageId)) : 'all';
  for (const record of records) {
    const envelope = envelopeOfMessageBody(record.body);
    if (envelope === undefined) continue;
    const queue = record.eventSourceARN.split(':').at(-1) ?? record.eventSourceARN;
    journal.noteEnvelope(envelope);
    const sentAt = Number(record.attributes.SentTimestamp);
    journal.addHop(envelope.id, { kind: 'delivered', at: Number.isFinite(sentAt) ? sentAt : ended, where: queue, queue, messageId: record.messageId });
    const refused = failed === 'all' || failed.includes(record.messageId);
    journal.addHop(envelope.id, {
      kind: refused ? 'refused' : 'applied',
      at: ended,
      where: functionName,
      queue,
      ...(refused && !result.ok ? { detail: result.error.errorType } : {}),
    });
  }
}

/** The envelope an EventBridge event carries as `detail`, from an SQS message body; undefined for anything else. */
export function envelopeOfMessageBody(body: string): EnvelopeLike | undefined {
  try {
    return asEnvelope((JSON.parse(body) as { detail?: unknown }).detail);
  } catch {
    return undefined;
  }
}

function asEnvelope(value: unknown): EnvelopeLike | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const candidate = value as Record<string, unknown>;
  const strings = ['id', 'type', 'aggregateType', 'aggregateId', 'correlationId', 'occurredAt'];
  if (!strings.every((field) => typeof candidate[field] === 'string') || typeof candidate.aggregateVersion !== 'number') return undefined;
  return candidate as EnvelopeLike;
}

/** Outbox items share their aggregate's partition (lambdas/dualwrite/outbox.ts), so the item's partition key finds the aggregate. */
function aggregateLocation(observer: InvocationObserver, tableName: string, keys: Record<string, unknown>): AggregateLocation | undefined {
  const partitionKeyName = observer.partitionKeyOf(tableName);
  const partitionKeyValue = partitionKeyName === undefined ? undefined : keys[partitionKeyName];
  return partitionKeyName === undefined || typeof partitionKeyValue !== 'string' ? undefined : { tableName, partitionKeyName, partitionKeyValue };
}
