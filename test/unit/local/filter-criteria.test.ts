import { describe, expect, it } from '@jest/globals';

import {
  InvalidFilterPatternError,
  matchesAnyFilter,
  matchesPattern,
  parseFilterCriteria,
  type FilterPattern,
} from '../../../local/filter-criteria';

const outboxInsert = {
  eventName: 'INSERT',
  dynamodb: {
    Keys: { pk: { S: 'ORDER#1' }, sk: { S: 'OUTBOX#0000000001' } },
    NewImage: { pk: { S: 'ORDER#1' }, sk: { S: 'OUTBOX#0000000001' }, version: { N: '3' }, flag: { BOOL: true }, gone: { NULL: true } },
  },
};

const matches = (pattern: FilterPattern, event: unknown = outboxInsert) => matchesPattern(event, pattern);

describe('Lambda filter patterns', () => {
  it('matches exact values, and a list of values as OR', () => {
    expect(matches({ eventName: ['INSERT'] })).toBe(true);
    expect(matches({ eventName: ['MODIFY', 'INSERT'] })).toBe(true);
    expect(matches({ eventName: ['MODIFY'] })).toBe(false);
  });

  it('requires every key of a pattern, through nested objects', () => {
    const relayFilter = { eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: [{ prefix: 'OUTBOX#' }] } } } };
    expect(matches(relayFilter)).toBe(true);
    expect(matches(relayFilter, { ...outboxInsert, eventName: 'MODIFY' })).toBe(false);
    expect(matches({ dynamodb: { Keys: { sk: { S: [{ prefix: 'STATE' }] } } } })).toBe(false);
  });

  it('does not match when the key is missing or is not an object where the pattern nests', () => {
    expect(matches({ dynamodb: { OldImage: { pk: { S: [{ prefix: '' }] } } } })).toBe(false);
    expect(matches({ eventName: { nested: ['x'] } })).toBe(false);
  });

  it('supports prefix and suffix, also ignoring case', () => {
    expect(matches({ dynamodb: { Keys: { pk: { S: [{ prefix: 'ORDER#' }] } } } })).toBe(true);
    expect(matches({ dynamodb: { Keys: { sk: { S: [{ suffix: '0001' }] } } } })).toBe(true);
    expect(matches({ dynamodb: { Keys: { sk: { S: [{ suffix: '0002' }] } } } })).toBe(false);
    expect(matches({ dynamodb: { Keys: { pk: { S: [{ prefix: { 'equals-ignore-case': 'order#' } }] } } } })).toBe(true);
  });

  it('supports equals-ignore-case', () => {
    expect(matches({ eventName: [{ 'equals-ignore-case': 'insert' }] })).toBe(true);
    expect(matches({ eventName: [{ 'equals-ignore-case': 'remove' }] })).toBe(false);
  });

  it('supports anything-but with a value, a list, and a prefix', () => {
    expect(matches({ eventName: [{ 'anything-but': 'REMOVE' }] })).toBe(true);
    expect(matches({ eventName: [{ 'anything-but': ['REMOVE', 'INSERT'] }] })).toBe(false);
    expect(matches({ dynamodb: { Keys: { sk: { S: [{ 'anything-but': { prefix: 'OUTBOX#' } }] } } } })).toBe(false);
    expect(matches({ dynamodb: { Keys: { sk: { S: [{ 'anything-but': { prefix: 'STATE' } }] } } } })).toBe(true);
  });

  it('does not let anything-but match a missing key', () => {
    expect(matches({ missing: [{ 'anything-but': 'x' }] })).toBe(false);
  });

  it('compares numbers numerically, but only JSON numbers: DynamoDB N values are strings', () => {
    expect(matches({ dynamodb: { NewImage: { version: { N: ['3'] } } } })).toBe(true);
    expect(matches({ dynamodb: { NewImage: { version: { N: [3] } } } })).toBe(false);
    expect(matches({ dynamodb: { NewImage: { version: { N: [{ numeric: ['>', 2, '<=', 3] }] } } } })).toBe(false);
    expect(matchesPattern({ body: { amount: 10 } }, { body: { amount: [{ numeric: ['>=', 10] }] } })).toBe(true);
    expect(matchesPattern({ body: { amount: 10 } }, { body: { amount: [{ numeric: ['>', 2, '<', 10] }] } })).toBe(false);
    expect(matchesPattern({ body: { amount: '10' } }, { body: { amount: [{ numeric: ['>=', 10] }] } })).toBe(false);
  });

  it('supports exists on leaves only: an attribute whose value is an object does not exist', () => {
    expect(matches({ dynamodb: { NewImage: { version: { N: [{ exists: true }] } } } })).toBe(true);
    expect(matches({ dynamodb: { NewImage: { failedStatus: [{ exists: false }] } } })).toBe(true);
    expect(matches({ dynamodb: { NewImage: { failedStatus: [{ exists: true }] } } })).toBe(false);
    expect(matches({ dynamodb: { NewImage: { version: [{ exists: false }] } } })).toBe(true);
    expect(matches({ dynamodb: { NewImage: { version: [{ exists: true }] } } })).toBe(false);
    expect(matches({ dynamodb: { OldImage: { version: { N: [{ exists: false }] } } } })).toBe(true);
  });

  it('matches booleans and null exactly', () => {
    expect(matches({ dynamodb: { NewImage: { flag: { BOOL: [true] } } } })).toBe(true);
    expect(matches({ dynamodb: { NewImage: { flag: { BOOL: [false] } } } })).toBe(false);
    expect(matchesPattern({ a: null }, { a: [null] })).toBe(true);
    expect(matchesPattern({ a: 'x' }, { a: [null] })).toBe(false);
  });

  it('matches a list value when any element matches', () => {
    expect(matchesPattern({ tags: ['a', 'b'] }, { tags: ['b'] })).toBe(true);
    expect(matchesPattern({ tags: ['a', 'b'] }, { tags: ['c'] })).toBe(false);
  });

  it('supports wildcard and $or', () => {
    expect(matches({ dynamodb: { Keys: { sk: { S: [{ wildcard: 'OUTBOX#*1' }] } } } })).toBe(true);
    expect(matches({ $or: [{ eventName: ['REMOVE'] }, { dynamodb: { Keys: { pk: { S: [{ prefix: 'ORDER#' }] } } } }] })).toBe(true);
    expect(matches({ $or: [{ eventName: ['REMOVE'] }, { eventName: ['MODIFY'] }] })).toBe(false);
  });

  it('ORs the filters of a FilterCriteria, and lets everything through without filters', () => {
    const filters = parseFilterCriteria({
      Filters: [
        { Pattern: JSON.stringify({ dynamodb: { Keys: { pk: { S: [{ prefix: 'CUSTOMER#' }] } } } }) },
        { Pattern: JSON.stringify({ eventName: ['INSERT'] }) },
      ],
    });
    expect(matchesAnyFilter(outboxInsert, filters)).toBe(true);
    expect(matchesAnyFilter({ ...outboxInsert, eventName: 'REMOVE' }, filters)).toBe(false);
    expect(matchesAnyFilter(outboxInsert, parseFilterCriteria(undefined))).toBe(true);
  });

  it('rejects malformed patterns when the criteria are read', () => {
    expect(() => parseFilterCriteria({ Filters: [{ Pattern: '{"eventName": "INSERT"}' }] })).toThrow(InvalidFilterPatternError);
    expect(() => parseFilterCriteria({ Filters: [{ Pattern: '{"a": [{"startsWith": "x"}]}' }] })).toThrow(/unsupported operator "startsWith"/);
    expect(() => parseFilterCriteria({ Filters: [{ Pattern: '{"a": [{"numeric": [">", "1"]}]}' }] })).toThrow(/numeric/);
    expect(() => parseFilterCriteria({ Filters: [{ Pattern: '{"a": [' }] })).toThrow(/Filters\[0\]: the pattern is not JSON/);
  });

  it('names the filter, the field and the offending rule when it refuses a pattern', () => {
    const refusal = (() => {
      try {
        parseFilterCriteria({
          Filters: [{ Pattern: '{"eventName": ["INSERT"]}' }, { Pattern: '{"dynamodb": {"NewImage": {"v": {"N": [{"numeric": [">", 5, "<", 1]}]}}}}' }],
        });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(InvalidFilterPatternError);
    const error = refusal as InvalidFilterPatternError;
    expect(error.path).toBe('Filters[1] dynamodb.NewImage.v.N');
    expect(error.rule).toEqual({ numeric: ['>', 5, '<', 1] });
    expect(error.message).toContain('lower bound 5 must be below the upper bound 1');
  });
});
