import { describe, it } from '@jest/globals';

import { expect } from '../../support/expect';
import type { SQSRecord } from 'aws-lambda';
import { FAULT_KINDS, FaultPlan, type FaultRates } from '../../../chaos/fault-plan';
import { derivedRandom, mulberry32, shuffled } from '../../../chaos/prng';

const record = (messageId: string) => ({ messageId }) as SQSRecord;

function decisions(plan: FaultPlan, rounds = 200): string[] {
  const seen: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const fault = plan.planPutEvents(4);
    seen.push(fault.kind === 'partial' ? `partial:${[...fault.failed].join(',')}` : fault.kind);
    seen.push(JSON.stringify(plan.planStreamDelivery({ source: 's', functionName: 'f', records: [1, 2, 3] })));
    const sqs = plan.planSqsDelivery({ source: 'q', functionName: 'f', records: [record('a'), record('b'), record('c')] });
    seen.push(JSON.stringify({ ...sqs, records: sqs?.records?.map((r) => r.messageId) }));
  }
  return seen;
}

describe('the PRNG', () => {
  it('gives the same numbers for the same seed and others for another seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(Array.from({ length: 5 }, c)).not.toEqual(first);
    for (const n of first) expect(n >= 0 && n < 1).toBe(true);
  });

  it('derives independent streams per name', () => {
    expect(derivedRandom(1, 'stream')()).not.toBe(derivedRandom(1, 'sqs')());
    expect(derivedRandom(1, 'stream')()).toBe(derivedRandom(1, 'stream')());
  });

  it('shuffles into a permutation of the same items', () => {
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    const result = shuffled(mulberry32(7), items);
    expect([...result].sort((x, y) => x - y)).toEqual(items);
    expect(items).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('the fault plan', () => {
  it('makes the same decisions for the same seed', () => {
    expect(decisions(new FaultPlan(42))).toEqual(decisions(new FaultPlan(42)));
    expect(decisions(new FaultPlan(42))).not.toEqual(decisions(new FaultPlan(7)));
  });

  it('counts every fault it injects, by kind, and injects each kind at these rates', () => {
    const plan = new FaultPlan(3);
    decisions(plan, 2_000);
    for (const kind of FAULT_KINDS) expect(plan.counts[kind], kind).toBeGreaterThan(0);
  });

  it('injects nothing when inactive or at zero rates', () => {
    const off = new FaultPlan(3);
    off.active = false;
    decisions(off);
    const zero: FaultRates = {
      putEventsThrottled: 0, putEventsPartialFailure: 0, putEventsAcceptedThenFailed: 0, outageStart: 0, outageCalls: [1, 1],
      relayCrashMidBatch: 0, streamDuplicateDelivery: 0, sqsDuplicateDelivery: 0, sqsReorderedDelivery: 0, consumerCrashBeforeAck: 0,
    };
    const none = new FaultPlan(3, zero);
    decisions(none);
    for (const plan of [off, none]) for (const kind of FAULT_KINDS) expect(plan.counts[kind]).toBe(0);
  });

  it('keeps EventBridge unavailable for the outage that follows a start', () => {
    const plan = new FaultPlan(1, { ...new FaultPlan(1).rates, outageStart: 1, outageCalls: [3, 3] });
    expect([1, 2, 3, 4].map(() => plan.planPutEvents(1).kind)).toEqual(['unavailable', 'unavailable', 'unavailable', 'unavailable']);
    expect(plan.counts.eventBridgeUnavailable).toBe(4);
  });

  it('marks at least one entry failed in a partial failure, within the call', () => {
    const plan = new FaultPlan(5, { ...new FaultPlan(5).rates, outageStart: 0, putEventsThrottled: 0, putEventsAcceptedThenFailed: 0, putEventsPartialFailure: 1 });
    for (let i = 0; i < 50; i++) {
      const fault = plan.planPutEvents(3);
      expect(fault.kind).toBe('partial');
      if (fault.kind !== 'partial') return;
      expect(fault.failed.size).toBeGreaterThan(0);
      for (const [index, code] of fault.failed) {
        expect(index).toBeLessThan(3);
        expect(['ThrottlingException', 'InternalFailure']).toContain(code);
      }
    }
  });
});
