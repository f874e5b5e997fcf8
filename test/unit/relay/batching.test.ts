import { describe, expect, it } from '@jest/globals';
import { fullJitterDelayMs } from '../../../lambdas/dualwrite/relay/backoff';
import { planCalls, PUT_EVENTS_LIMITS } from '../../../lambdas/dualwrite/relay/batching';

describe('planCalls', () => {
  type Sized = { index: number; size: number | undefined; key: string | undefined };
  const sized = (sizes: Array<number | undefined>, keys: Array<string | undefined> = sizes.map(() => 'a')) =>
    sizes.map((size, index): Sized => ({ index, size, key: keys[index] }));
  const plan = (items: Sized[], limits = PUT_EVENTS_LIMITS) => planCalls(items, (i) => i.size, (i) => i.key, limits);
  const shape = (steps: ReturnType<typeof plan>) =>
    steps.map((s) => (s.kind === 'publish' ? s.items.map((i) => i.index) : `reject ${s.item.index}`));
  const waits = (steps: ReturnType<typeof plan>) => steps.map((s) => s.after);

  it('cuts one aggregate at 10 entries, each call waiting for the one before', () => {
    const steps = plan(sized(Array(25).fill(1)));
    expect(steps.map((s) => (s.kind === 'publish' ? s.items.length : 0))).toEqual([10, 10, 5]);
    expect(waits(steps)).toEqual([[], [0], [1]]);
  });

  it('cuts at the byte limit, allowing a call of exactly the limit', () => {
    const limits = { maxEntries: 10, maxBytes: 100 };
    expect(shape(plan(sized([50, 50, 1]), limits))).toEqual([[0, 1], [2]]);
    expect(shape(plan(sized([50, 51, 1]), limits))).toEqual([[0], [1, 2]]);
  });

  it('sets aside unpublishable items as steps of their aggregate, later items after them', () => {
    const limits = { maxEntries: 10, maxBytes: 100 };
    const steps = plan(sized([10, 101, 10, undefined, 10], ['a', 'a', 'a', undefined, 'a']), limits);
    expect(shape(steps)).toEqual([[0], 'reject 1', [2, 4], 'reject 3']);
    expect(waits(steps)).toEqual([[], [0], [1], []]);
  });

  it('groups records dealt round-robin over 10 aggregates into 10 calls that wait for nothing', () => {
    const keys = Array.from({ length: 100 }, (_, i) => `agg-${i % 10}`);
    const steps = plan(sized(Array(100).fill(1), keys));
    expect(steps).toHaveLength(10);
    expect(shape(steps)[0]).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(waits(steps).every((after) => after.length === 0)).toBe(true);
  });

  it('fills calls across aggregates: 7 records of 3 aggregates make 3 calls, not one per aggregate', () => {
    const keys = Array.from({ length: 21 }, (_, i) => `agg-${i % 3}`);
    const steps = plan(sized(Array(21).fill(1), keys));
    expect(steps.map((s) => (s.kind === 'publish' ? s.items.length : 0))).toEqual([10, 10, 1]);
    // agg-1's records are split over the first two calls, in stream order: the second waits for the first.
    expect(waits(steps)).toEqual([[], [0], [1]]);
  });

  it('puts a small entry into an earlier call that still has bytes to spare (first fit)', () => {
    const limits = { maxEntries: 10, maxBytes: 100 };
    const steps = plan(sized([60, 60, 30], ['a', 'b', 'c']), limits);
    expect(shape(steps)).toEqual([[0, 2], [1]]);
  });

  it('has EventBridge limits by default', () => {
    expect(PUT_EVENTS_LIMITS).toEqual({ maxEntries: 10, maxBytes: 262_144 });
  });
});

describe('fullJitterDelayMs', () => {
  it('draws from [0, min(cap, base × 2^attempt))', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(fullJitterDelayMs(0, () => 0.5, policy)).toBe(50);
    expect(fullJitterDelayMs(3, () => 0.5, policy)).toBe(400);
    expect(fullJitterDelayMs(4, () => 0.5, policy)).toBe(500);
    expect(fullJitterDelayMs(2000, () => 0.5, policy)).toBe(500);
    expect(fullJitterDelayMs(5, () => 0, policy)).toBe(0);
  });

  it('refuses a negative attempt', () => {
    expect(() => fullJitterDelayMs(-1, () => 0.5)).toThrow(RangeError);
  });
});
