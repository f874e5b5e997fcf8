/**
 * The fault plan of a chaos run: every decision to inject a fault comes from PRNGs seeded by the
 * run's seed (one stream per seam, chaos/prng.ts), and every fault injected is counted by kind.
 *
 * The same seed gives the same sequence of decisions at each seam. Which command a decision hits
 * still depends on timing (which batch reaches a seam first), so two runs with one seed inject the
 * same kinds of faults at about the same rates, not byte-identical histories.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import type { DeliveryContext, EventSourceFaults, SqsDeliveryPlan, StreamDeliveryPlan } from '../local/faults';
import { derivedRandom, integerBetween, shuffled, type Random } from './prng';

export const FAULT_KINDS = [
  'putEventsThrottled',
  'putEventsPartialFailure',
  'putEventsAcceptedThenFailed',
  'eventBridgeUnavailable',
  'relayCrashMidBatch',
  'streamDuplicateDelivery',
  'sqsDuplicateDelivery',
  'sqsReorderedDelivery',
  'consumerCrashBeforeAck',
  'poisonEvent',
  'transactionConflict',
  'transactionThrottled',
  'answerLost',
  'runtimeKilled',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Probabilities per decision (0..1). */
export interface FaultRates {
  /** A PutEvents call answered `ThrottlingException` as a whole (nothing delivered). */
  putEventsThrottled: number;
  /** A PutEvents call answered 200 with some entries failed (`ThrottlingException`/`InternalFailure`); only the others are delivered. */
  putEventsPartialFailure: number;
  /** A PutEvents call delivered in full, then answered 500 (the answer was lost): the caller cannot tell. */
  putEventsAcceptedThenFailed: number;
  /** A PutEvents call starts an outage: it and the next `outageCalls` calls get 503 (nothing delivered). */
  outageStart: number;
  outageCalls: readonly [number, number];
  /** A stream batch (relay, CDC) whose function crashes after part of it. */
  relayCrashMidBatch: number;
  streamDuplicateDelivery: number;
  sqsDuplicateDelivery: number;
  sqsReorderedDelivery: number;
  consumerCrashBeforeAck: number;
  /** An SQS batch whose first record becomes a poison event: the consumer refuses it until it lands in the DLQ. */
  poisonEvent: number;
  /** A TransactWriteItems refused with `TransactionCanceledException` [`TransactionConflict`]. */
  transactionConflict: number;
  /** A TransactWriteItems refused with `TransactionCanceledException` [`ThrottlingError`]. */
  transactionThrottled: number;
  /** A command whose answer the client never gets (it committed): the client sends it again, same `Idempotency-Key`. */
  answerLost: number;
}

export const DEFAULT_FAULT_RATES: FaultRates = {
  putEventsThrottled: 0.05,
  putEventsPartialFailure: 0.08,
  putEventsAcceptedThenFailed: 0.03,
  outageStart: 0.01,
  outageCalls: [3, 8],
  relayCrashMidBatch: 0.05,
  streamDuplicateDelivery: 0.05,
  sqsDuplicateDelivery: 0.1,
  sqsReorderedDelivery: 0.3,
  consumerCrashBeforeAck: 0.1,
  poisonEvent: 0.005,
  transactionConflict: 0.03,
  transactionThrottled: 0.03,
  answerLost: 0.05,
};

export type PutEventsFault =
  | { kind: 'none' }
  | { kind: 'unavailable' }
  | { kind: 'throttled' }
  | { kind: 'acceptedThenFailed' }
  /** Entry index → the error code to answer for it. */
  | { kind: 'partial'; failed: ReadonlyMap<number, 'ThrottlingException' | 'InternalFailure'> };

/** What the proxy does with one TransactWriteItems call. */
export type TransactWriteFault = { kind: 'none' } | { kind: 'refused'; code: 'TransactionConflict' | 'ThrottlingError'; itemIndex: number };

export interface FaultPlanOptions {
  /** The consumer queues' `maxReceiveCount`: a poison event is refused this many times, then it is in the DLQ. @default 5 */
  maxReceiveCount?: number;
}

export class FaultPlan implements EventSourceFaults {
  readonly counts: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  /**
   * The changes (`Aggregate#id@version`) whose delivery met at least one injected fault between the
   * commit and the consumer: a PutEvents entry refused or answered wrongly, a stream batch crashed or
   * duplicated, an SQS batch reordered, duplicated, not acknowledged, or a poison event.
   */
  readonly faultedChanges = new Set<string>();
  /** Poison events by `detail.id`: refused until they reach the DLQ (`inDeadLetterQueue`), then let through. */
  readonly poisoned = new Map<string, { change: string; inDeadLetterQueue: boolean }>();
  /** Off: no decision injects anything (the end of a run, once every change was applied). */
  active = true;
  private readonly putEventsRandom: Random;
  private readonly streamRandom: Random;
  private readonly sqsRandom: Random;
  private readonly poisonRandom: Random;
  private readonly transactionRandom: Random;
  private readonly maxReceiveCount: number;
  private outageLeft = 0;

  constructor(
    readonly seed: number,
    readonly rates: FaultRates = DEFAULT_FAULT_RATES,
    options: FaultPlanOptions = {},
  ) {
    this.putEventsRandom = derivedRandom(seed, 'PutEvents');
    this.streamRandom = derivedRandom(seed, 'stream');
    this.sqsRandom = derivedRandom(seed, 'sqs');
    this.poisonRandom = derivedRandom(seed, 'poison');
    this.transactionRandom = derivedRandom(seed, 'TransactWriteItems');
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
  }

  /** What to do with one PutEvents call; `entries` are the call's `Entries` (their `Detail` names the changes). */
  planPutEvents(entries: readonly PutEventsEntryLike[]): PutEventsFault {
    const fault = this.decidePutEvents(entries.length);
    if (fault.kind === 'partial') for (const index of fault.failed.keys()) this.markFaulted(changeOfDetail(entries[index]?.Detail));
    else if (fault.kind !== 'none') for (const entry of entries) this.markFaulted(changeOfDetail(entry.Detail));
    return fault;
  }

  private decidePutEvents(entryCount: number): PutEventsFault {
    if (!this.active) return { kind: 'none' };
    const random = this.putEventsRandom;
    if (this.outageLeft > 0) {
      this.outageLeft -= 1;
      this.counts.eventBridgeUnavailable += 1;
      return { kind: 'unavailable' };
    }
    const roll = random();
    const { rates } = this;
    let threshold = rates.outageStart;
    if (roll < threshold) {
      this.outageLeft = integerBetween(random, rates.outageCalls[0], rates.outageCalls[1]);
      this.counts.eventBridgeUnavailable += 1;
      return { kind: 'unavailable' };
    }
    if (roll < (threshold += rates.putEventsThrottled)) {
      this.counts.putEventsThrottled += 1;
      return { kind: 'throttled' };
    }
    if (roll < (threshold += rates.putEventsAcceptedThenFailed)) {
      this.counts.putEventsAcceptedThenFailed += 1;
      return { kind: 'acceptedThenFailed' };
    }
    if (roll < (threshold += rates.putEventsPartialFailure) && entryCount > 0) {
      const failed = new Map<number, 'ThrottlingException' | 'InternalFailure'>();
      for (let index = 0; index < entryCount; index++) {
        if (random() < 0.5) failed.set(index, random() < 0.5 ? 'ThrottlingException' : 'InternalFailure');
      }
      if (failed.size === 0) failed.set(integerBetween(random, 0, entryCount - 1), 'InternalFailure');
      this.counts.putEventsPartialFailure += 1;
      return { kind: 'partial', failed };
    }
    return { kind: 'none' };
  }

  /** What to do with one TransactWriteItems call of `itemCount` items (the commands' and the payments consumer's commits). */
  planTransactWrite(itemCount: number): TransactWriteFault {
    if (!this.active || itemCount === 0) return { kind: 'none' };
    const random = this.transactionRandom;
    const roll = random();
    const itemIndex = integerBetween(random, 0, itemCount - 1);
    if (roll < this.rates.transactionConflict) {
      this.counts.transactionConflict += 1;
      return { kind: 'refused', code: 'TransactionConflict', itemIndex };
    }
    if (roll < this.rates.transactionConflict + this.rates.transactionThrottled) {
      this.counts.transactionThrottled += 1;
      return { kind: 'refused', code: 'ThrottlingError', itemIndex };
    }
    return { kind: 'none' };
  }

  planStreamDelivery(context: DeliveryContext<DynamoDBRecord>): StreamDeliveryPlan | undefined {
    if (!this.active) return undefined;
    const random = this.streamRandom;
    const roll = random();
    let plan: StreamDeliveryPlan | undefined;
    if (roll < this.rates.relayCrashMidBatch) {
      this.counts.relayCrashMidBatch += 1;
      plan = { crashAfterRecords: integerBetween(random, 0, Math.max(0, context.records.length - 1)) };
    } else if (roll < this.rates.relayCrashMidBatch + this.rates.streamDuplicateDelivery) {
      this.counts.streamDuplicateDelivery += 1;
      plan = { duplicate: true };
    }
    if (plan !== undefined) for (const record of context.records) this.markFaulted(changeOfStreamRecord(record));
    return plan;
  }

  planSqsDelivery(context: DeliveryContext<SQSRecord>): SqsDeliveryPlan | undefined {
    if (!this.active) return undefined;
    const random = this.sqsRandom;
    const plan: SqsDeliveryPlan = {};
    // Both numbers are drawn for every batch, so the sequence of decisions does not depend on batch sizes.
    const reorder = random() < this.rates.sqsReorderedDelivery;
    if (context.records.length > 1 && reorder) {
      this.counts.sqsReorderedDelivery += 1;
      plan.records = shuffled(random, context.records);
    }
    const roll = random();
    if (roll < this.rates.sqsDuplicateDelivery) {
      this.counts.sqsDuplicateDelivery += 1;
      plan.duplicate = true;
    } else if (roll < this.rates.sqsDuplicateDelivery + this.rates.consumerCrashBeforeAck) {
      this.counts.consumerCrashBeforeAck += 1;
      plan.crashBeforeAck = true;
    }
    const refused = this.poisonRefusals(context.records);
    if (refused.length > 0) plan.refuseMessageIds = refused;
    if (Object.keys(plan).length === 0) return undefined;
    const met = plan.records !== undefined || plan.duplicate === true || plan.crashBeforeAck === true ? context.records : [];
    for (const record of met) this.markFaulted(changeOfSqsBody(record.body));
    return plan;
  }

  /**
   * Picks new poison events (a separate stream: the other SQS decisions do not shift) and names the
   * records the consumer refuses: a poison event's copies, until one was refused on its last receive
   * before the queue's redrive policy moves it to the DLQ. Redriven from there, it goes through.
   */
  private poisonRefusals(records: readonly SQSRecord[]): string[] {
    const first = records[0];
    if (this.poisonRandom() < this.rates.poisonEvent && first !== undefined) {
      const eventId = eventIdOfSqsBody(first.body);
      if (eventId !== undefined && !this.poisoned.has(eventId)) {
        this.poisoned.set(eventId, { change: changeOfSqsBody(first.body) ?? '?', inDeadLetterQueue: false });
        this.counts.poisonEvent += 1;
      }
    }
    const refused: string[] = [];
    for (const record of records) {
      const eventId = eventIdOfSqsBody(record.body);
      const poison = eventId === undefined ? undefined : this.poisoned.get(eventId);
      if (poison === undefined || poison.inDeadLetterQueue) continue;
      refused.push(record.messageId);
      this.markFaulted(poison.change);
      if (Number(record.attributes?.ApproximateReceiveCount ?? 1) >= this.maxReceiveCount) poison.inDeadLetterQueue = true;
    }
    return refused;
  }

  /** Counts a fault injected outside the plan's seams: by the driver (a lost answer) or by the run (a runtime killed). */
  countInjected(kind: 'answerLost' | 'runtimeKilled'): void {
    this.counts[kind] += 1;
  }

  private markFaulted(change: string | undefined): void {
    if (change !== undefined) this.faultedChanges.add(change);
  }
}

/** The part of a PutEvents entry the plan reads. */
export interface PutEventsEntryLike {
  Detail?: string;
}

/** `Aggregate#id@version` of an envelope, the key chaos/invariants.ts names changes by. */
export function changeOfEnvelope(envelope: unknown): string | undefined {
  const { aggregateType, aggregateId, aggregateVersion } = (envelope ?? {}) as Record<string, unknown>;
  if (typeof aggregateType !== 'string' || aggregateId === undefined || aggregateVersion === undefined) return undefined;
  return `${aggregateType}#${String(aggregateId)}@${Number(aggregateVersion)}`;
}

function parsedOrUndefined(json: string | undefined): unknown {
  try {
    return json === undefined ? undefined : JSON.parse(json);
  } catch {
    return undefined;
  }
}

function changeOfDetail(detail: string | undefined): string | undefined {
  return changeOfEnvelope(parsedOrUndefined(detail));
}

function changeOfSqsBody(body: string): string | undefined {
  return changeOfEnvelope((parsedOrUndefined(body) as { detail?: unknown } | undefined)?.detail);
}

function eventIdOfSqsBody(body: string): string | undefined {
  const id = ((parsedOrUndefined(body) as { detail?: { id?: unknown } } | undefined)?.detail ?? {}).id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The change a stream record carries: an outbox item's envelope (the relay), or a customer item
 * (the CDC: its version, or for a REMOVE the deleted version + 1, the CustomerDeleted).
 */
export function changeOfStreamRecord(record: DynamoDBRecord): string | undefined {
  const raw = record.dynamodb?.NewImage ?? record.dynamodb?.OldImage;
  if (raw === undefined) return undefined;
  const image = unmarshall(raw as Record<string, AttributeValue>);
  if (image.envelope !== undefined) return changeOfEnvelope(image.envelope);
  const pk = String(image.pk ?? '');
  if (!pk.startsWith('CUSTOMER#')) return undefined;
  const version = Number(image.version) + (record.eventName === 'REMOVE' ? 1 : 0);
  return `Customer#${pk.slice('CUSTOMER#'.length)}@${version}`;
}
