import { describe, expect, it } from '@jest/globals';

import { InvalidFilterPatternError, matchesAnyFilter, parseFilterCriteria } from '../../../local/filter-criteria';
import { MATCHING_CASES, REFUSED_CASES } from './filter-corpus';

/** The pattern as an event source mapping carries it: JSON text in `FilterCriteria.Filters[].Pattern`. */
const criteriaOf = (pattern: unknown) => ({ Filters: [{ Pattern: JSON.stringify(pattern) }] });

function refusalOf(pattern: unknown): InvalidFilterPatternError | undefined {
  try {
    parseFilterCriteria(criteriaOf(pattern));
  } catch (error) {
    if (error instanceof InvalidFilterPatternError) return error;
    throw error;
  }
  return undefined;
}

describe('the documented rules of event filtering (test/unit/local/filter-corpus.ts)', () => {
  it('covers every operator, non-leaf values, DynamoDB typed values, arrays and validation', () => {
    const text = JSON.stringify(MATCHING_CASES.map((entry) => entry.pattern));
    for (const operator of ['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'anything-but', 'numeric', 'exists', 'cidr', '$or']) {
      expect(text).toContain(`"${operator}"`);
    }
    for (const topic of ['non-leaf', 'DynamoDB', 'list']) {
      expect(MATCHING_CASES.some((entry) => entry.rule.includes(topic) || entry.source.includes(topic) || (topic === 'non-leaf' && entry.rule.includes('object')))).toBe(true);
    }
    expect(REFUSED_CASES.length).toBeGreaterThan(20);
  });

  it.each(MATCHING_CASES.map((entry) => [entry.rule, entry] as const))('%s', (_rule, entry) => {
    const filters = parseFilterCriteria(criteriaOf(entry.pattern));
    expect(entry.source).not.toBe('');
    for (const record of entry.matches) expect({ record, matches: matchesAnyFilter(record, filters) }).toEqual({ record, matches: true });
    for (const record of entry.misses) expect({ record, matches: matchesAnyFilter(record, filters) }).toEqual({ record, matches: false });
  });

  it.each(REFUSED_CASES.map((entry) => [entry.rule, entry] as const))('refused: %s', (_rule, entry) => {
    const refusal = refusalOf(entry.pattern);
    expect({ pattern: entry.pattern, refused: refusal instanceof InvalidFilterPatternError }).toEqual({ pattern: entry.pattern, refused: true });
    expect(refusal!.message).toMatch(entry.reason);
  });
});
