import { describe, expect, it } from '@jest/globals';
import { fullJitterDelayMs } from '../../../lambdas/dualwrite/relay/backoff';
import { planBatches, PUT_EVENTS_LIMITS } from '../../../lambdas/dualwrite/relay/batching';

describe('planBatches', () => {
  const sized = (sizes: Array<number | undefined>) => sizes.map((size, index) => ({ index, size }));
  const shape = (steps: ReturnType<typeof planBatches<{ index: number; size: number | undefined }>>) =>
    steps.map((s) => (s.kind === 'publish' ? s.items.map((i) => i.index) : `reject ${s.item.index}`));

  it('cuts at 10 entries', () => {
    const steps = planBatches(sized(Array(25).fill(1)), (i) => i.size);
    expect(steps.map((s) => (s.kind === 'publish' ? s.items.length : 0))).toEqual([10, 10, 5]);
  });

  it('cuts at the byte limit, allowing a call of exactly the limit', () => {
    const limits = { maxEntries: 10, maxBytes: 100 };
    expect(shape(planBatches(sized([50, 50, 1]), (i) => i.size, limits))).toEqual([[0, 1], [2]]);
    expect(shape(planBatches(sized([50, 51, 1]), (i) => i.size, limits))).toEqual([[0], [1, 2]]);
  });

  it('sets aside unpublishable items as their own steps, in order', () => {
    const limits = { maxEntries: 10, maxBytes: 100 };
    expect(shape(planBatches(sized([10, 101, 10, undefined, 10]), (i) => i.size, limits))).toEqual([[0], 'reject 1', [2], 'reject 3', [4]]);
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
