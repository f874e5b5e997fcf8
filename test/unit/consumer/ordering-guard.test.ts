import { describe, expect, it } from '@jest/globals';
import { decideByVersion, EarlyEventError } from '../../../lambdas/dualwrite/consumer/ordering-guard';

describe('decideByVersion', () => {
  it.each([
    { last: 0, incoming: 1, decision: 'apply' },
    { last: 4, incoming: 5, decision: 'apply' },
    { last: 1, incoming: 1, decision: 'duplicate' },
    { last: 5, incoming: 2, decision: 'duplicate' },
    { last: 0, incoming: 2, decision: 'early' },
    { last: 3, incoming: 7, decision: 'early' },
  ])('last applied $last, incoming $incoming → $decision', ({ last, incoming, decision }) => {
    expect(decideByVersion(last, incoming)).toBe(decision);
  });

  it.each([
    [-1, 1],
    [1.5, 2],
    [0, 0],
    [0, 2.5],
    [Number.NaN, 1],
  ])('refuses versions that are not versions (%s, %s)', (last, incoming) => {
    expect(() => decideByVersion(last, incoming)).toThrow(RangeError);
  });
});

describe('EarlyEventError', () => {
  it('is named and says which version was expected', () => {
    const error = new EarlyEventError('ORDER#1', 2, 4);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('EarlyEventError');
    expect(error.message).toContain('expected version 2');
    expect(error.message).toContain('got 4');
    expect(error.message).toContain('ORDER#1');
    expect({ expected: error.expectedVersion, received: error.receivedVersion }).toEqual({ expected: 2, received: 4 });
  });
});
