import { describe, expect, it } from '@jest/globals';
import { distribution, histogram, median, percentile } from '../../../bench/lib/stats';

describe('percentile', () => {
  const sorted = Array.from({ length: 100 }, (_, index) => index + 1);

  it('takes the nearest rank', () => {
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 90)).toBe(90);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
  });

  it('is NaN for no values', () => {
    expect(percentile([], 50)).toBeNaN();
  });

  it('median sorts its input', () => {
    expect(median([5, 1, 3])).toBe(3);
  });
});

describe('distribution', () => {
  it('summarizes unsorted values', () => {
    expect(distribution([3, 1, 2, 4])).toEqual({ n: 4, min: 1, p50: 2, p90: 4, p99: 4, max: 4, mean: 2.5 });
  });
});

describe('histogram', () => {
  it('puts every value in one of the bins, the maximum in the last', () => {
    const bins = histogram([0, 1, 2, 3, 10], 5);
    expect(bins).toHaveLength(5);
    expect(bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(5);
    expect(bins[4].count).toBe(1);
    expect(bins[0].count).toBe(2);
  });

  it('makes one bin when all values are equal', () => {
    expect(histogram([7, 7, 7], 10)).toEqual([{ from: 7, to: 7, count: 3 }]);
  });
});
