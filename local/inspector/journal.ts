/**
 * What the inspector knows of each event: its envelope and the hops the local runtime saw it make.
 * Pure bookkeeping (no I/O), fed by `observed-invoker.ts` (every invocation an event source mapping
 * makes) and by the health reads (`health.ts`: which events are FAILED, which sit in a DLQ now).
 *
 * Times are epoch milliseconds. `committed` is the envelope's `occurredAt`, stamped by the writer
 * just before its transaction (the stream's own creation time is rounded down to the second).
 */
import type { EventEnvelope } from '../../lambdas/dualwrite/envelope';

export type HopKind = 'committed' | 'published' | 'delivered' | 'applied' | 'refused' | 'parked' | 'redriven' | 'failed';
/** The order of hops that share a timestamp. */
const HOP_ORDER: readonly HopKind[] = ['committed', 'published', 'failed', 'redriven', 'delivered', 'refused', 'parked', 'applied'];

export interface Hop {
  kind: HopKind;
  at: number;
  /** The function, queue or DLQ of the hop. */
  where: string;
  /** The consumer queue a delivery, an application, a refusal or a parking belongs to. */
  queue?: string;
  /** The SQS message id, so that a message received several times is one delivery. */
  messageId?: string;
  detail?: string;
}

/** The envelope fields each row of the list shows. */
type ListedField = 'id' | 'type' | 'aggregateType' | 'aggregateId' | 'aggregateVersion' | 'correlationId';

/** An event envelope as seen on the way (lambdas/dualwrite/envelope.ts): the fields the inspector needs, and the rest as is. */
export type EnvelopeLike = Pick<EventEnvelope, ListedField | 'occurredAt'> & { [field: string]: unknown };

/** Where the aggregate's items are: a table and its partition key (from the stream record that carried the event). */
export interface AggregateLocation {
  tableName: string;
  partitionKeyName: string;
  partitionKeyValue: string;
}

export type EventStatus = 'committed' | 'published' | 'delivered' | 'applied' | 'parked' | 'FAILED';

export interface EventSummary extends Pick<EventEnvelope, ListedField> {
  status: EventStatus;
  /** In time order; `latencyMs` is the time since the hop before it (0 for the first). */
  hops: Array<Hop & { latencyMs: number }>;
  /** From the first hop to the last. */
  totalMs: number;
}

export interface EventDetail extends EventSummary {
  envelope: EnvelopeLike;
  aggregate?: AggregateLocation;
}

export interface EventFilter {
  aggregateId?: string;
  correlationId?: string;
  type?: string;
}

interface JournalEntry {
  id: string;
  envelope?: EnvelopeLike;
  aggregate?: AggregateLocation;
  hops: Hop[];
  firstSeen: number;
  parkedIn: Set<string>;
  failed: boolean;
}

/** Events whose envelope was never seen (a CDC record whose event never reached a queue) are forgotten after this. */
const ORPHAN_HOPS_MS = 10 * 60_000;

export class EventJournal {
  private readonly entries = new Map<string, JournalEntry>();

  /** @param capacity events kept; the oldest are forgotten first */
  constructor(private readonly capacity = 500) {}

  /** An envelope seen on its way (outbox item, queue message): creates the event or completes it. */
  noteEnvelope(envelope: EnvelopeLike, aggregate?: AggregateLocation): void {
    const entry = this.entry(envelope.id);
    if (entry.envelope === undefined) {
      entry.envelope = envelope;
      const occurred = Date.parse(envelope.occurredAt);
      if (Number.isFinite(occurred) && !entry.hops.some((hop) => hop.kind === 'committed')) {
        entry.hops.push({ kind: 'committed', at: occurred, where: envelope.aggregateType });
      }
    }
    if (aggregate !== undefined) entry.aggregate ??= aggregate;
  }

  addHop(eventId: string, hop: Hop): void {
    const entry = this.entry(eventId);
    if (hop.messageId !== undefined && entry.hops.some((seen) => seen.kind === hop.kind && seen.messageId === hop.messageId)) return;
    if (hop.kind === 'committed' && entry.hops.some((seen) => seen.kind === 'committed')) return;
    entry.hops.push(hop);
  }

  /**
   * The FAILED outbox items as read now (event id → `failedAt`). The relay gives up on an item by
   * marking it and reporting success, so a `published` hop it got in the same invocation is withdrawn.
   */
  setFailed(failedAt: ReadonlyMap<string, number>): void {
    for (const [id, entry] of this.entries) {
      const at = failedAt.get(id);
      entry.failed = at !== undefined;
      if (at === undefined || entry.hops.some((hop) => hop.kind === 'failed' && hop.at === at)) continue;
      entry.hops = entry.hops.filter((hop) => !(hop.kind === 'published' && hop.at >= at));
      entry.hops.push({ kind: 'failed', at, where: 'FailedOutbox' });
    }
  }

  /**
   * The messages of one DLQ as read now. An event newly there gets a `parked` hop (and a
   * `delivered` hop for its original message, which a refused delivery may never have shown);
   * an event gone from it gets a `redriven` hop, dated no later than its next delivery.
   */
  setParked(dlq: string, sourceQueue: string | undefined, parked: ReadonlyArray<{ eventId: string; messageId: string; sentAt: number }>, now = Date.now()): void {
    const present = new Set(parked.map((message) => message.eventId));
    for (const message of parked) {
      const entry = this.entry(message.eventId);
      if (entry.parkedIn.has(dlq)) continue;
      entry.parkedIn.add(dlq);
      if (sourceQueue !== undefined) {
        this.addHop(message.eventId, { kind: 'delivered', at: message.sentAt, where: sourceQueue, queue: sourceQueue, messageId: message.messageId });
      }
      entry.hops.push({ kind: 'parked', at: now, where: dlq, ...(sourceQueue !== undefined ? { queue: sourceQueue } : {}) });
    }
    for (const entry of this.entries.values()) {
      if (!entry.parkedIn.has(dlq) || present.has(entry.id)) continue;
      entry.parkedIn.delete(dlq);
      const parkedAt = Math.max(...entry.hops.filter((hop) => hop.kind === 'parked' && hop.where === dlq).map((hop) => hop.at));
      const next = entry.hops.filter((hop) => hop.at > parkedAt && (hop.kind === 'delivered' || hop.kind === 'applied')).map((hop) => hop.at);
      entry.hops.push({ kind: 'redriven', at: Math.min(now, ...next), where: dlq });
    }
  }

  list(filter: EventFilter = {}): EventSummary[] {
    const summaries: EventSummary[] = [];
    for (const [id, entry] of this.entries) {
      const envelope = entry.envelope;
      if (envelope === undefined || !matches(envelope, filter)) continue;
      summaries.push(summarize(id, entry, envelope));
    }
    return summaries.sort((a, b) => (b.hops[0]?.at ?? 0) - (a.hops[0]?.at ?? 0) || (a.id < b.id ? 1 : -1));
  }

  get(eventId: string): EventDetail | undefined {
    const entry = this.entries.get(eventId);
    if (entry?.envelope === undefined) return undefined;
    return { ...summarize(eventId, entry, entry.envelope), envelope: entry.envelope, ...(entry.aggregate ? { aggregate: entry.aggregate } : {}) };
  }

  private entry(eventId: string): JournalEntry {
    let entry = this.entries.get(eventId);
    if (entry === undefined) {
      entry = { id: eventId, hops: [], firstSeen: Date.now(), parkedIn: new Set(), failed: false };
      this.entries.set(eventId, entry);
      this.forgetOldest();
    }
    return entry;
  }

  private forgetOldest(): void {
    const now = Date.now();
    for (const [id, entry] of this.entries) {
      if (entry.envelope === undefined && now - entry.firstSeen > ORPHAN_HOPS_MS) this.entries.delete(id);
    }
    // Map iteration follows insertion order: the first keys are the oldest events.
    for (const id of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(id);
    }
  }
}

function matches(envelope: EnvelopeLike, filter: EventFilter): boolean {
  const contains = (value: string, wanted: string | undefined) => wanted === undefined || wanted === '' || value.toLowerCase().includes(wanted.trim().toLowerCase());
  return contains(envelope.aggregateId, filter.aggregateId) && contains(envelope.correlationId, filter.correlationId) && contains(envelope.type, filter.type);
}

function summarize(id: string, entry: JournalEntry, envelope: EnvelopeLike): EventSummary {
  // The runtime sees a publication when the publishing invocation returns, but the bus delivered the
  // event inside that call: it was published no later than its first delivery.
  const firstDelivery = Math.min(...entry.hops.filter((hop) => hop.kind === 'delivered').map((hop) => hop.at));
  const ordered = entry.hops
    .map((hop) => (hop.kind === 'published' && hop.at > firstDelivery ? { ...hop, at: firstDelivery } : hop))
    .sort((a, b) => a.at - b.at || HOP_ORDER.indexOf(a.kind) - HOP_ORDER.indexOf(b.kind));
  const hops = ordered.map((hop, index) => ({ ...hop, latencyMs: index === 0 ? 0 : hop.at - ordered[index - 1]!.at }));
  return {
    id,
    type: envelope.type,
    aggregateType: envelope.aggregateType,
    aggregateId: envelope.aggregateId,
    aggregateVersion: envelope.aggregateVersion,
    correlationId: envelope.correlationId,
    status: statusOf(entry, ordered),
    hops,
    totalMs: ordered.length === 0 ? 0 : ordered.at(-1)!.at - ordered[0]!.at,
  };
}

/**
 * Where the event stands: FAILED or parked while it is so; else, per consumer queue, its latest
 * delivery or application decides (a queue whose latest hop is a delivery or a refusal is still in
 * flight); with no queue hop yet, published or committed.
 */
function statusOf(entry: JournalEntry, ordered: readonly Hop[]): EventStatus {
  if (entry.failed) return 'FAILED';
  if (entry.parkedIn.size > 0) return 'parked';
  const latestPerQueue = new Map<string, HopKind>();
  for (const hop of ordered) {
    if (hop.queue !== undefined && (hop.kind === 'delivered' || hop.kind === 'applied' || hop.kind === 'refused')) latestPerQueue.set(hop.queue, hop.kind);
  }
  if (latestPerQueue.size > 0) return [...latestPerQueue.values()].every((kind) => kind === 'applied') ? 'applied' : 'delivered';
  return ordered.some((hop) => hop.kind === 'published') ? 'published' : 'committed';
}
