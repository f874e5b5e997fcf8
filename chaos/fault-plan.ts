/**
 * The fault plan of a chaos run: every decision to inject a fault comes from PRNGs seeded by the
 * run's seed (one stream per seam, chaos/prng.ts), and every fault injected is counted by kind.
 *
 * The same seed gives the same sequence of decisions at each seam. Which command a decision hits
 * still depends on timing (which batch reaches a seam first), so two runs with one seed inject the
 * same kinds of faults at about the same rates, not byte-identical histories.
 */
import type { SQSRecord } from 'aws-lambda';
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
};

export type PutEventsFault =
  | { kind: 'none' }
  | { kind: 'unavailable' }
  | { kind: 'throttled' }
  | { kind: 'acceptedThenFailed' }
  /** Entry index → the error code to answer for it. */
  | { kind: 'partial'; failed: ReadonlyMap<number, 'ThrottlingException' | 'InternalFailure'> };

export class FaultPlan implements EventSourceFaults {
  readonly counts: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  /** Off: no decision injects anything (the settle phase of a run). */
  active = true;
  private readonly putEventsRandom: Random;
  private readonly streamRandom: Random;
  private readonly sqsRandom: Random;
  private outageLeft = 0;

  constructor(
    readonly seed: number,
    readonly rates: FaultRates = DEFAULT_FAULT_RATES,
  ) {
    this.putEventsRandom = derivedRandom(seed, 'PutEvents');
    this.streamRandom = derivedRandom(seed, 'stream');
    this.sqsRandom = derivedRandom(seed, 'sqs');
  }

  /** What to do with one PutEvents call of `entryCount` entries. */
  planPutEvents(entryCount: number): PutEventsFault {
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

  planStreamDelivery(context: DeliveryContext<unknown>): StreamDeliveryPlan | undefined {
    if (!this.active) return undefined;
    const random = this.streamRandom;
    const roll = random();
    if (roll < this.rates.relayCrashMidBatch) {
      this.counts.relayCrashMidBatch += 1;
      return { crashAfterRecords: integerBetween(random, 0, Math.max(0, context.records.length - 1)) };
    }
    if (roll < this.rates.relayCrashMidBatch + this.rates.streamDuplicateDelivery) {
      this.counts.streamDuplicateDelivery += 1;
      return { duplicate: true };
    }
    return undefined;
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
    return Object.keys(plan).length > 0 ? plan : undefined;
  }
}
