import { describe, expect, it } from '@jest/globals';
import { naiveConsumerViews } from '../../../chaos/evidence';
import { appliedOutOfOrder, measurePattern, violations, type PatternEvidence } from '../../../chaos/invariants';

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
    expect(measurePattern(healthy)).toEqual({
      committed: 3,
      delivered: 3,
      lost: 0,
      phantom: 0,
      duplicateEffects: 0,
      duplicateDeliveries: 1,
      orderViolations: 0,
      reidentified: 0,
    });
    expect(violations(measurePattern(healthy))).toBe(0);
  });

  it('counts a committed change with no event on the bus as lost', () => {
    const counts = measurePattern({ ...healthy, delivered: healthy.delivered.filter((e) => e.id !== 'e3') });
    expect(counts.lost).toBe(1);
  });

  it('counts a committed change missing from its consumer view as lost', () => {
    const counts = measurePattern({ ...healthy, views: [healthy.views[0]!, { aggregate: 'Order#2', entries: [] }] });
    expect(counts.lost).toBe(1);
  });

  it('counts an event whose change is not in the table as phantom', () => {
    const counts = measurePattern({ ...healthy, delivered: [...healthy.delivered, event('e9', 'Order#3', 1)] });
    expect(counts.phantom).toBe(1);
  });

  it('counts an event applied twice to a view as a duplicate effect, not as disorder', () => {
    const counts = measurePattern({
      ...healthy,
      views: [{ aggregate: 'Order#1', entries: [{ version: 1, eventId: 'e1' }, { version: 1, eventId: 'e1' }, { version: 2, eventId: 'e2' }] }, healthy.views[1]!],
    });
    expect(counts.duplicateEffects).toBe(1);
    expect(counts.orderViolations).toBe(0);
    expect(violations(counts)).toBe(1);
  });

  it('adds duplicate effects no view shows (a payment settled twice)', () => {
    expect(measurePattern({ ...healthy, extraDuplicateEffects: 2 }).duplicateEffects).toBe(2);
  });

  it('counts a view applied out of version order as an order violation, and a gap only as lost', () => {
    const reversed = measurePattern({
      ...healthy,
      views: [{ aggregate: 'Order#1', entries: [{ version: 2, eventId: 'e2' }, { version: 1, eventId: 'e1' }] }, healthy.views[1]!],
    });
    expect(reversed.orderViolations).toBe(1);
    const gap = measurePattern({ ...healthy, views: [{ aggregate: 'Order#1', entries: [{ version: 2, eventId: 'e2' }] }, healthy.views[1]!] });
    expect(gap).toMatchObject({ orderViolations: 0, lost: 1 });
  });

  it('counts a committed change published under a second event id as reidentified, which is a violation', () => {
    const counts = measurePattern({ ...healthy, delivered: [...healthy.delivered, event('e2-again', 'Order#1', 2)] });
    expect(counts).toMatchObject({ reidentified: 1, phantom: 0, lost: 0, duplicateEffects: 0 });
    expect(violations(counts)).toBe(1);
  });

  it('sees a second event id in a view too', () => {
    const counts = measurePattern({
      ...healthy,
      views: [{ aggregate: 'Order#1', entries: [{ version: 1, eventId: 'e1' }, { version: 2, eventId: 'other' }] }, healthy.views[1]!],
    });
    expect(counts.reidentified).toBe(1);
  });

  it('judges the naive dual write with the same definitions: its consumer applies every delivery in arrival order', () => {
    const delivered = [event('n1', 'Naive#1', 1), event('n3', 'Naive#1', 3), event('n3', 'Naive#1', 3), event('n2b', 'Naive#2', 2), event('n2a', 'Naive#2', 1)];
    const naive = measurePattern({
      committed: [change('Naive#1', 1), change('Naive#1', 2), change('Naive#1', 3), change('Naive#2', 1), change('Naive#2', 2)],
      delivered,
      views: naiveConsumerViews(delivered),
    });
    // Naive#1 v2 never reached the bus (lost); v3 was delivered and applied twice; Naive#2 arrived 2 then 1.
    expect(naive).toEqual({ committed: 5, delivered: 4, lost: 1, phantom: 0, duplicateEffects: 1, duplicateDeliveries: 1, orderViolations: 1, reidentified: 0 });
  });
});

describe('appliedOutOfOrder', () => {
  it.each([
    [[1, 2, 3], false],
    [[1, 3], false],
    [[1, 1, 2], false],
    [[2, 1], true],
    [[1, 3, 2], true],
  ])('%j -> %s', (versions, expected) => {
    expect(appliedOutOfOrder(versions)).toBe(expected);
  });
});
