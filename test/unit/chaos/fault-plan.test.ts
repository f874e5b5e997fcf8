import { describe, it } from '@jest/globals';

import { expect } from '../../support/expect';
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import { changeOfStreamRecord, DEFAULT_FAULT_RATES, FAULT_KINDS, FaultPlan, type FaultKind, type FaultRates } from '../../../chaos/fault-plan';
import { derivedRandom, mulberry32, shuffled } from '../../../chaos/prng';

const detail = (id: string, aggregateId = id, aggregateVersion = 1) => ({ id, aggregateType: 'Order', aggregateId, aggregateVersion });
const record = (messageId: string, receiveCount = 1) =>
  ({ messageId, body: JSON.stringify({ detail: detail(`event-${messageId}`) }), attributes: { ApproximateReceiveCount: String(receiveCount) } }) as unknown as SQSRecord;
const entries = (count: number) => Array.from({ length: count }, (_, index) => ({ Detail: JSON.stringify(detail(`put-${index}`)) }));
const streamRecord = (image: Record<string, unknown>, eventName: 'INSERT' | 'REMOVE' = 'INSERT') =>
  ({ eventName, dynamodb: eventName === 'REMOVE' ? { OldImage: image } : { NewImage: image } }) as DynamoDBRecord;
const outboxRecord = (aggregateId: string) =>
  streamRecord({
    pk: { S: `ORDER#${aggregateId}` },
    envelope: { M: { aggregateType: { S: 'Order' }, aggregateId: { S: aggregateId }, aggregateVersion: { N: '2' } } },
  });

/** Kinds the plan decides on (the driver and the run inject the others and count them through the plan). */
const PLANNED_KINDS = FAULT_KINDS.filter((kind): kind is Exclude<FaultKind, 'answerLost' | 'runtimeKilled'> => kind !== 'answerLost' && kind !== 'runtimeKilled');

function decisions(plan: FaultPlan, rounds = 200): string[] {
  const seen: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const fault = plan.planPutEvents(entries(4));
    seen.push(fault.kind === 'partial' ? `partial:${[...fault.failed].join(',')}` : fault.kind);
    seen.push(JSON.stringify(plan.planStreamDelivery({ source: 's', functionName: 'f', records: [outboxRecord('1'), outboxRecord('2')] })));
    const sqs = plan.planSqsDelivery({ source: 'q', functionName: 'f', records: [record(`a${i}`), record(`b${i}`), record(`c${i}`)] });
    seen.push(JSON.stringify({ ...sqs, records: sqs?.records?.map((r) => r.messageId) }));
    seen.push(JSON.stringify(plan.planTransactWrite(3)));
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
    for (const kind of PLANNED_KINDS) expect(plan.counts[kind], kind).toBeGreaterThan(0);
  });

  it('injects nothing when inactive or at zero rates', () => {
    const off = new FaultPlan(3);
    off.active = false;
    decisions(off);
    const zero: FaultRates = {
      putEventsThrottled: 0, putEventsPartialFailure: 0, putEventsAcceptedThenFailed: 0, outageStart: 0, outageCalls: [1, 1],
      relayCrashMidBatch: 0, streamDuplicateDelivery: 0, sqsDuplicateDelivery: 0, sqsReorderedDelivery: 0, consumerCrashBeforeAck: 0,
      poisonEvent: 0, transactionConflict: 0, transactionThrottled: 0, answerLost: 0,
    };
    const none = new FaultPlan(3, zero);
    decisions(none);
    for (const plan of [off, none]) for (const kind of FAULT_KINDS) expect(plan.counts[kind]).toBe(0);
    for (const plan of [off, none]) expect(plan.faultedChanges.size).toBe(0);
  });

  it('keeps EventBridge unavailable for the outage that follows a start', () => {
    const plan = new FaultPlan(1, { ...new FaultPlan(1).rates, outageStart: 1, outageCalls: [3, 3] });
    expect([1, 2, 3, 4].map(() => plan.planPutEvents(entries(1)).kind)).toEqual(['unavailable', 'unavailable', 'unavailable', 'unavailable']);
    expect(plan.counts.eventBridgeUnavailable).toBe(4);
  });

  it('marks at least one entry failed in a partial failure, within the call', () => {
    const plan = new FaultPlan(5, { ...new FaultPlan(5).rates, outageStart: 0, putEventsThrottled: 0, putEventsAcceptedThenFailed: 0, putEventsPartialFailure: 1 });
    for (let i = 0; i < 50; i++) {
      const fault = plan.planPutEvents(entries(3));
      expect(fault.kind).toBe('partial');
      if (fault.kind !== 'partial') return;
      expect(fault.failed.size).toBeGreaterThan(0);
      for (const [index, code] of fault.failed) {
        expect(index).toBeLessThan(3);
        expect(['ThrottlingException', 'InternalFailure']).toContain(code);
      }
    }
  });

  it('remembers the changes that met a fault: only the failed entries of a partial failure, every entry of a refused call', () => {
    const onlyPartial = new FaultPlan(5, { ...DEFAULT_FAULT_RATES, outageStart: 0, putEventsThrottled: 0, putEventsAcceptedThenFailed: 0, putEventsPartialFailure: 1 });
    const fault = onlyPartial.planPutEvents(entries(4));
    if (fault.kind !== 'partial') throw new Error('expected a partial failure');
    expect([...onlyPartial.faultedChanges].sort()).toEqual([...fault.failed.keys()].map((index) => `Order#put-${index}@1`).sort());

    const throttled = new FaultPlan(5, { ...DEFAULT_FAULT_RATES, outageStart: 0, putEventsThrottled: 1 });
    expect(throttled.planPutEvents(entries(2)).kind).toBe('throttled');
    expect([...throttled.faultedChanges].sort()).toEqual(['Order#put-0@1', 'Order#put-1@1']);
  });

  it('refuses a poison event until its last receive before the DLQ, then lets its redriven copy through', () => {
    const plan = new FaultPlan(9, { ...DEFAULT_FAULT_RATES, poisonEvent: 1, sqsReorderedDelivery: 0, sqsDuplicateDelivery: 0, consumerCrashBeforeAck: 0 }, { maxReceiveCount: 3 });
    const refusedAt = (receiveCount: number) =>
      plan.planSqsDelivery({ source: 'q', functionName: 'f', records: [record('p', receiveCount), record(`other-${receiveCount}`)] })?.refuseMessageIds;

    expect([refusedAt(1), refusedAt(2), refusedAt(3)]).toEqual([['p'], ['p'], ['p']]);
    expect(plan.poisoned.get('event-p')).toEqual({ change: 'Order#event-p@1', inDeadLetterQueue: true });
    // Redriven from the DLQ: a new message whose receive count starts again; the event goes through now.
    expect(refusedAt(1)).toBeUndefined();
    expect(plan.faultedChanges.has('Order#event-p@1')).toBe(true);
  });

  it('refuses transactions with the configured codes, naming an item of the call', () => {
    const conflicts = new FaultPlan(2, { ...DEFAULT_FAULT_RATES, transactionConflict: 1 });
    const fault = conflicts.planTransactWrite(3);
    expect(fault).toMatchObject({ kind: 'refused', code: 'TransactionConflict' });
    if (fault.kind === 'refused') expect(fault.itemIndex).toBeLessThan(3);
    const throttles = new FaultPlan(2, { ...DEFAULT_FAULT_RATES, transactionConflict: 0, transactionThrottled: 1 });
    expect(throttles.planTransactWrite(2)).toMatchObject({ kind: 'refused', code: 'ThrottlingError' });
    expect([conflicts.counts.transactionConflict, throttles.counts.transactionThrottled]).toEqual([1, 1]);
  });
});

describe('changeOfStreamRecord', () => {
  it('names the change of an outbox item by its envelope, and of a customer item by its version (a REMOVE: the delete, one up)', () => {
    expect(changeOfStreamRecord(outboxRecord('o1'))).toBe('Order#o1@2');
    const customer = { pk: { S: 'CUSTOMER#c1' }, sk: { S: 'STATE' }, version: { N: '3' } };
    expect(changeOfStreamRecord(streamRecord(customer))).toBe('Customer#c1@3');
    expect(changeOfStreamRecord(streamRecord(customer, 'REMOVE'))).toBe('Customer#c1@4');
    expect(changeOfStreamRecord(streamRecord({ pk: { S: 'OTHER#1' } }))).toBeUndefined();
  });
});
