/**
 * Gathers the evidence of a chaos run from the emulator: the table (entities, outbox items,
 * timelines), and the events the bus delivered to the run's own capture queue. Turns it into the
 * per-pattern evidence of chaos/invariants.ts.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CommittedChange, DeliveredEvent, PatternEvidence, ViewEvidence } from './invariants';

export const PATTERN_SOURCES = {
  outbox: 'dualwrite.orders',
  listenToYourself: 'dualwrite.payments',
  logTailing: 'dualwrite.customers',
  naive: 'chaos.naive',
} as const;
export type PatternName = keyof typeof PATTERN_SOURCES;

export interface CapturedEvent extends DeliveredEvent {
  source: string;
  type: string;
}

/** Reads the capture queue into memory (deleting what it read), in the background or once. */
export class CaptureQueueReader {
  readonly events: CapturedEvent[] = [];
  unreadable = 0;

  constructor(
    private readonly sqs: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
  ) {}

  /** Receives until one receive comes back empty; returns how many messages it read. */
  async drain(): Promise<number> {
    let read = 0;
    for (;;) {
      const { Messages = [] } = await this.sqs.send(new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (Messages.length === 0) return read;
      for (const message of Messages) {
        read += 1;
        try {
          const event = JSON.parse(message.Body ?? '') as { source: string; 'detail-type': string; detail: Record<string, unknown> };
          const detail = event.detail;
          this.events.push({
            id: String(detail.id),
            source: event.source,
            type: event['detail-type'],
            aggregate: `${String(detail.aggregateType)}#${String(detail.aggregateId)}`,
            version: Number(detail.aggregateVersion),
          });
        } catch {
          this.unreadable += 1;
        }
      }
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
  }
}

export type TableItem = Record<string, unknown> & { pk: string; sk: string };

export async function scanTable(documentClient: Pick<DynamoDBDocumentClient, 'send'>, tableName: string): Promise<TableItem[]> {
  const items: TableItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as TableItem[]));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** Customers the driver deleted (204): the table no longer shows them, so the driver's word is the evidence of the delete. */
export interface DeletedCustomer {
  customerId: string;
  /** The version of the customer item the DELETE removed (its CustomerDeleted is this + 1). */
  lastVersion: number;
}

const versionsUpTo = (aggregate: string, version: number): CommittedChange[] =>
  Array.from({ length: Math.max(0, version) }, (_, index) => ({ aggregate, version: index + 1 }));

/** The evidence of each pattern, from the table's items, the captured events and the driver's deletes. */
export function patternEvidence(items: readonly TableItem[], captured: readonly CapturedEvent[], deleted: readonly DeletedCustomer[]): Record<PatternName, PatternEvidence> {
  const byPrefix = (prefix: string, sk: (sk: string) => boolean) => items.filter((item) => item.pk.startsWith(prefix) && sk(item.sk));
  const views = (prefix: string, aggregateType: string): ViewEvidence[] =>
    byPrefix(prefix, (sk) => sk === 'TIMELINE').map((item) => ({
      aggregate: `${aggregateType}#${item.pk.slice(prefix.length)}`,
      entries: ((item.events as Array<{ version: number; eventId: string }> | undefined) ?? []).map((entry) => ({
        version: Number(entry.version),
        eventId: String(entry.eventId),
      })),
    }));
  const deliveredOf = (source: string) => captured.filter((event) => event.source === source);

  // Orders: the entity's version says how many changes were committed.
  const orders = byPrefix('ORDER#', (sk) => sk === 'STATE').flatMap((item) => versionsUpTo(`Order#${item.pk.slice(6)}`, Number(item.version)));

  // Payments: the command commits only its event (outbox v1); the consumer commits the capture (v2).
  // A requested payment that was never captured misses its v2: counted as lost.
  const paymentOutbox = byPrefix('PAYMENT#', (sk) => sk.startsWith('OUTBOX#'));
  const payments = new Map<string, number>();
  let capturedTwice = 0;
  const capturesByPayment = new Map<string, number>();
  for (const item of paymentOutbox) {
    const envelope = item.envelope as { aggregateVersion?: number; type?: string } | undefined;
    const version = Number(envelope?.aggregateVersion ?? Number(item.sk.slice('OUTBOX#'.length)));
    payments.set(item.pk, Math.max(payments.get(item.pk) ?? 0, version));
    if (envelope?.type === 'PaymentCaptured') capturesByPayment.set(item.pk, (capturesByPayment.get(item.pk) ?? 0) + 1);
  }
  for (const count of capturesByPayment.values()) capturedTwice += Math.max(0, count - 1);
  const paymentChanges = [...payments].flatMap(([pk, version]) => versionsUpTo(`Payment#${pk.slice(8)}`, Math.max(version, 2)));

  // Customers: the current item's version, or, for a deleted customer, its last version and the delete.
  const customerChanges = byPrefix('CUSTOMER#', (sk) => sk === 'STATE').flatMap((item) => versionsUpTo(`Customer#${item.pk.slice(9)}`, Number(item.version)));
  const present = new Set(byPrefix('CUSTOMER#', (sk) => sk === 'STATE').map((item) => item.pk.slice(9)));
  for (const customer of deleted) {
    if (!present.has(customer.customerId)) customerChanges.push(...versionsUpTo(`Customer#${customer.customerId}`, customer.lastVersion + 1));
  }

  const naive = byPrefix('NAIVE#', (sk) => sk === 'STATE').flatMap((item) => versionsUpTo(`Naive#${item.pk.slice(6)}`, Number(item.version)));

  return {
    outbox: { committed: orders, delivered: deliveredOf(PATTERN_SOURCES.outbox), views: views('ORDER#', 'Order') },
    listenToYourself: {
      committed: paymentChanges,
      delivered: deliveredOf(PATTERN_SOURCES.listenToYourself),
      views: views('PAYMENT#', 'Payment'),
      extraDuplicateEffects: capturedTwice,
    },
    logTailing: { committed: customerChanges, delivered: deliveredOf(PATTERN_SOURCES.logTailing), views: views('CUSTOMER#', 'Customer') },
    naive: { committed: naive, delivered: deliveredOf(PATTERN_SOURCES.naive) },
  };
}
