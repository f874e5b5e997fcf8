import { describe, expect, it } from '@jest/globals';
import { measurePattern, type PatternEvidence } from '../../../chaos/invariants';

const change = (aggregate: string, version: number) => ({ aggregate, version });
const event = (id: string, aggregate: string, version: number) => ({ id, aggregate, version });

const healthy: PatternEvidence = {
  committed: [change('Order#1', 1), change('Order#1', 2), change('Order#2', 1)],
  delivered: [event('e1', 'Order#1', 1), event('e2', 'Order#1', 2), event('e2', 'Order#1', 2), event('e3', 'Order#2', 1)],
  views: [
    { aggregate: 'Order#1', entries: [{ version: 1, eventId: 'e1' }, { version: 2, eventId: 'e2' }] },
    { aggregate: 'Order#2', entries: [{ version: 1, eventId: 'e3' }] },
  ],
};

describe('measuring a pattern', () => {
  it('finds nothing wrong in healthy evidence (a redelivery to the bus is no duplicate effect)', () => {
    expect(measurePattern(healthy)).toEqual({ committed: 3, delivered: 3, lost: 0, phantom: 0, duplicateEffects: 0, orderViolations: 0 });
  });

  it('counts a committed change with no event on the bus as lost', () => {
    const counts = measurePattern({ ...healthy, delivered: healthy.delivered.filter((e) => e.id !== 'e3') });
    expect(counts.lost).toBe(1);
  });

  it('counts a committed change missing from its consumer view as lost', () => {
    const counts = measurePattern({ ...healthy, views: [healthy.views![0]!, { aggregate: 'Order#2', entries: [] }] });
    expect(counts.lost).toBe(1);
  });

  it('counts an event whose change is not in the table as phantom', () => {
    const counts = measurePattern({ ...healthy, delivered: [...healthy.delivered, event('e9', 'Order#3', 1)] });
    expect(counts.phantom).toBe(1);
  });

  it('counts an event applied twice to a view as a duplicate effect', () => {
    const counts = measurePattern({
      ...healthy,
      views: [{ aggregate: 'Order#1', entries: [{ version: 1, eventId: 'e1' }, { version: 1, eventId: 'e1' }, { version: 2, eventId: 'e2' }] }, healthy.views![1]!],
    });
    expect(counts.duplicateEffects).toBe(1);
    expect(counts.orderViolations).toBe(1);
  });

  it('adds duplicate effects no view shows (a payment captured twice)', () => {
    expect(measurePattern({ ...healthy, extraDuplicateEffects: 2 }).duplicateEffects).toBe(2);
  });

  it('counts a view out of version order, or with a gap, as an order violation', () => {
    const reversed = measurePattern({
      ...healthy,
      views: [{ aggregate: 'Order#1', entries: [{ version: 2, eventId: 'e2' }, { version: 1, eventId: 'e1' }] }, healthy.views![1]!],
    });
    expect(reversed.orderViolations).toBe(1);
    const gap = measurePattern({ ...healthy, views: [{ aggregate: 'Order#1', entries: [{ version: 2, eventId: 'e2' }] }, healthy.views![1]!] });
    expect(gap.orderViolations).toBe(1);
  });

  it('without views (the naive dual write), judges the deliveries themselves', () => {
    const naive = measurePattern({
      committed: [change('Naive#1', 1), change('Naive#1', 2)],
      delivered: [event('n2', 'Naive#1', 2), event('n2', 'Naive#1', 2)],
    });
    expect(naive).toEqual({ committed: 2, delivered: 1, lost: 1, phantom: 0, duplicateEffects: 1, orderViolations: 1 });
  });
});
