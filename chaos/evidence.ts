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

  // Payments: the command commits only its event (outbox v1); the consumer commits the capture or the
  // rejection (v2), which must exist for every requested payment: a requested payment never settled misses its v2.
  const paymentOutbox = byPrefix('PAYMENT#', (sk) => sk.startsWith('OUTBOX#'));
  const payments = new Map<string, number>();
  const settlementsByPayment = new Map<string, number>();
  for (const item of paymentOutbox) {
    const envelope = item.envelope as { aggregateVersion?: number; type?: string } | undefined;
    const version = Number(envelope?.aggregateVersion ?? Number(item.sk.slice('OUTBOX#'.length)));
    payments.set(item.pk, Math.max(payments.get(item.pk) ?? 0, version));
    if (envelope?.type === 'PaymentCaptured' || envelope?.type === 'PaymentRejected') {
      settlementsByPayment.set(item.pk, (settlementsByPayment.get(item.pk) ?? 0) + 1);
    }
  }
  let settledTwice = 0;
  for (const count of settlementsByPayment.values()) settledTwice += Math.max(0, count - 1);
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
      extraDuplicateEffects: settledTwice,
    },
    logTailing: { committed: customerChanges, delivered: deliveredOf(PATTERN_SOURCES.logTailing), views: views('CUSTOMER#', 'Customer') },
    naive: { committed: naive, delivered: deliveredOf(PATTERN_SOURCES.naive), views: naiveConsumerViews(deliveredOf(PATTERN_SOURCES.naive)) },
  };
}

/**
 * The naive dual write's consumer, as naive code writes it: it applies every delivery it receives,
 * in the order it receives them, with no deduplication and no ordering guard. Its views are what
 * the patterns' timelines are for them, so every row is measured with the same definitions.
 */
export function naiveConsumerViews(delivered: readonly DeliveredEvent[]): ViewEvidence[] {
  const views = new Map<string, Array<{ version: number; eventId: string }>>();
  for (const event of delivered) {
    const entries = views.get(event.aggregate) ?? [];
    entries.push({ version: event.version, eventId: event.id });
    views.set(event.aggregate, entries);
  }
  return [...views].map(([aggregate, entries]) => ({ aggregate, entries }));
}

/** When the driver saw the answer to each successful cancel (epoch ms): a capture that started later must have been refused. */
export type CancelsAnswered = ReadonlyMap<string, number>;

/** The business invariant of listen to yourself, from the table: payments by outcome, and captures on an order cancelled before the capture started. */
export function paymentOutcomes(items: readonly TableItem[], cancelsAnswered: CancelsAnswered): { captured: number; rejected: number; capturedAfterCancel: number } {
  let captured = 0;
  let rejected = 0;
  let capturedAfterCancel = 0;
  for (const item of items) {
    if (!item.pk.startsWith('PAYMENT#') || item.sk !== 'STATE') continue;
    if (item.status === 'REJECTED') rejected += 1;
    if (item.status !== 'CAPTURED') continue;
    captured += 1;
    const cancelledAt = cancelsAnswered.get(String(item.orderId));
    // capturedAt is taken before the capture's transaction: later than the cancel's answer means the
    // transaction ran after the cancel had committed, and had to see a CANCELLED order.
    if (cancelledAt !== undefined && Date.parse(String(item.capturedAt)) > cancelledAt) capturedAfterCancel += 1;
  }
  return { captured, rejected, capturedAfterCancel };
}

/**
 * Logical commands that committed more than one change, from the table: an order per marked
 * `customerId` (each lost-answer order has its own), a payment request per order (the driver asks
 * at most once per order), a customer's version against the PUTs the driver saw succeed.
 */
export function commandsAppliedTwice(
  items: readonly TableItem[],
  expectations: { orderMarkers: ReadonlySet<string>; customerPuts: ReadonlyMap<string, number> },
): { count: number; which: string[] } {
  const which: string[] = [];
  const ordersByMarker = new Map<string, number>();
  const requestsByOrder = new Map<string, number>();
  for (const item of items) {
    if (item.pk.startsWith('ORDER#') && item.sk === 'STATE' && expectations.orderMarkers.has(String(item.customerId))) {
      ordersByMarker.set(String(item.customerId), (ordersByMarker.get(String(item.customerId)) ?? 0) + 1);
    }
    const envelope = item.envelope as { type?: string; data?: { orderId?: unknown } } | undefined;
    if (item.pk.startsWith('PAYMENT#') && envelope?.type === 'PaymentRequested') {
      const orderId = String(envelope.data?.orderId);
      requestsByOrder.set(orderId, (requestsByOrder.get(orderId) ?? 0) + 1);
    }
    if (item.pk.startsWith('CUSTOMER#') && item.sk === 'STATE') {
      const puts = expectations.customerPuts.get(item.pk.slice('CUSTOMER#'.length));
      if (puts !== undefined && Number(item.version) > puts) which.push(`${item.pk}: version ${String(item.version)} after ${puts} PUT(s)`);
    }
  }
  for (const [marker, count] of ordersByMarker) if (count > 1) which.push(`${count} orders placed by one POST /orders (customerId ${marker})`);
  for (const [orderId, count] of requestsByOrder) if (count > 1) which.push(`${count} payments requested by one POST /orders/${orderId}/payments`);
  return { count: which.length, which };
}
