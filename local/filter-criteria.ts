/**
 * Lambda event filtering (`FilterCriteria` of an event source mapping), applied to the records
 * exactly as Lambda gives them to the function. Filters are ORed; inside one pattern every key must
 * match; a key's list of conditions is ORed.
 *
 * Conditions: exact values (string, number, boolean, `null`, `""`), `prefix`, `suffix`,
 * `equals-ignore-case`, `wildcard`, `anything-but` (a value, a list, or `{prefix|suffix|equals-ignore-case|wildcard}`),
 * `numeric` (`=`, `<`, `<=`, `>`, `>=`, up to two comparisons), `exists` (true/false), plus `$or`.
 * When the event's value is a list, the condition matches if any element matches. Numbers stored as
 * text under a DynamoDB `N` key count as numbers (Lambda compares them numerically).
 */

export type FilterPattern = { [key: string]: unknown };

export class InvalidFilterPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidFilterPatternError';
  }
}

/** The patterns of a `FilterCriteria` property (`{ Filters: [{ Pattern: "<json>" }] }`); none means "everything". */
export function parseFilterCriteria(criteria: unknown): FilterPattern[] {
  if (criteria === undefined || criteria === null) return [];
  const filters = (criteria as { Filters?: unknown }).Filters;
  if (filters === undefined) return [];
  if (!Array.isArray(filters)) throw new InvalidFilterPatternError('FilterCriteria.Filters must be a list');
  return filters.map((filter: unknown) => {
    const pattern = (filter as { Pattern?: unknown }).Pattern;
    const parsed: unknown = typeof pattern === 'string' ? JSON.parse(pattern) : pattern;
    validatePattern(parsed, '');
    return parsed as FilterPattern;
  });
}

/** True if the record matches at least one pattern (or there are none). */
export function matchesAnyFilter(record: unknown, patterns: readonly FilterPattern[]): boolean {
  return patterns.length === 0 || patterns.some((pattern) => matchesPattern(record, pattern));
}

export function matchesPattern(event: unknown, pattern: FilterPattern): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(rule as FilterPattern[]).some((alternative) => matchesPattern(event, alternative))) return false;
      continue;
    }
    const present = isObject(event) && Object.prototype.hasOwnProperty.call(event, key);
    const value = present ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(rule)) {
      if (!rule.some((condition) => matchesCondition(condition, present, value, key))) return false;
    } else if (!isObject(value) || !matchesPattern(value, rule as FilterPattern)) {
      return false;
    }
  }
  return true;
}

function matchesCondition(condition: unknown, present: boolean, value: unknown, key: string): boolean {
  if (isObject(condition) && 'exists' in condition) {
    // `exists: true` matches leaf values only (as in EventBridge); `exists: false` means absent.
    return condition.exists ? present && (!isObject(value) || Array.isArray(value)) : !present;
  }
  if (!present) return false;
  const candidates: unknown[] = Array.isArray(value) ? value : [value];
  return candidates.some((candidate) => matchesLeaf(condition, candidate, key));
}

function matchesLeaf(condition: unknown, candidate: unknown, key: string): boolean {
  if (condition === null || typeof condition !== 'object') return equalsExactly(condition, candidate, key);
  const [operator, argument] = Object.entries(condition)[0]!;
  switch (operator) {
    case 'prefix':
      return typeof candidate === 'string' && textMatches(argument, (text, fold) => fold(candidate).startsWith(fold(text)));
    case 'suffix':
      return typeof candidate === 'string' && textMatches(argument, (text, fold) => fold(candidate).endsWith(fold(text)));
    case 'equals-ignore-case':
      return typeof candidate === 'string' && candidate.toLowerCase() === String(argument).toLowerCase();
    case 'wildcard':
      return typeof candidate === 'string' && wildcardMatches(String(argument), candidate);
    case 'numeric': {
      const number = asNumber(candidate, key);
      return number !== undefined && numericMatches(argument as unknown[], number);
    }
    case 'anything-but':
      return !anythingButExcludes(argument, candidate, key);
    default:
      throw new InvalidFilterPatternError(`unsupported filter operator "${operator}"`);
  }
}

/** Whether `anything-but`'s argument names this candidate (so anything-but does not match it). */
function anythingButExcludes(argument: unknown, candidate: unknown, key: string): boolean {
  if (Array.isArray(argument)) return argument.some((excluded) => equalsExactly(excluded, candidate, key));
  if (isObject(argument)) {
    const [operator, inner] = Object.entries(argument)[0]!;
    const excluded = Array.isArray(inner) ? inner : [inner];
    return excluded.some((text) => matchesLeaf({ [operator]: text }, candidate, key));
  }
  return equalsExactly(argument, candidate, key);
}

function equalsExactly(expected: unknown, candidate: unknown, key: string): boolean {
  if (typeof expected === 'number') {
    const number = asNumber(candidate, key);
    return number !== undefined && number === expected;
  }
  return expected === candidate;
}

/** `prefix`/`suffix` take a string or `{ "equals-ignore-case": string }`. */
function textMatches(argument: unknown, test: (text: string, fold: (s: string) => string) => boolean): boolean {
  if (isObject(argument) && typeof argument['equals-ignore-case'] === 'string') {
    return test(argument['equals-ignore-case'], (s) => s.toLowerCase());
  }
  return test(String(argument), (s) => s);
}

function wildcardMatches(pattern: string, candidate: string): boolean {
  const expression = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${expression}$`, 's').test(candidate);
}

function asNumber(candidate: unknown, key: string): number | undefined {
  if (typeof candidate === 'number') return candidate;
  if (key === 'N' && typeof candidate === 'string' && candidate.trim() !== '') {
    const number = Number(candidate);
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}

function numericMatches(comparisons: unknown[], value: number): boolean {
  for (let index = 0; index < comparisons.length; index += 2) {
    const operator = comparisons[index];
    const bound = comparisons[index + 1] as number;
    const holds =
      operator === '=' ? value === bound
      : operator === '<' ? value < bound
      : operator === '<=' ? value <= bound
      : operator === '>' ? value > bound
      : operator === '>=' ? value >= bound
      : false;
    if (!holds) return false;
  }
  return true;
}

const OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'numeric', 'anything-but', 'exists']);

/** Rejects malformed patterns up front, so that a typo fails at startup rather than silently matching nothing. */
function validatePattern(pattern: unknown, path: string): void {
  if (!isObject(pattern) || Array.isArray(pattern)) {
    throw new InvalidFilterPatternError(`filter pattern${path ? ` at ${path}` : ''} must be a JSON object`);
  }
  for (const [key, rule] of Object.entries(pattern)) {
    const where = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(rule) || rule.length < 2) throw new InvalidFilterPatternError(`${where} needs a list of at least two patterns`);
      rule.forEach((alternative, index) => validatePattern(alternative, `${where}[${index}]`));
    } else if (Array.isArray(rule)) {
      for (const condition of rule) validateCondition(condition, where);
    } else if (isObject(rule)) {
      validatePattern(rule, where);
    } else {
      throw new InvalidFilterPatternError(`${where}: a filter value must be a list of conditions or a nested object`);
    }
  }
}

function validateCondition(condition: unknown, where: string): void {
  if (condition === null || typeof condition !== 'object') return;
  if (Array.isArray(condition)) throw new InvalidFilterPatternError(`${where}: a condition cannot be a list`);
  const entries = Object.entries(condition);
  if (entries.length !== 1 || !OPERATORS.has(entries[0]![0])) {
    throw new InvalidFilterPatternError(`${where}: unsupported condition ${JSON.stringify(condition)}`);
  }
  const [operator, argument] = entries[0]!;
  if (operator === 'exists' && typeof argument !== 'boolean') throw new InvalidFilterPatternError(`${where}: exists takes true or false`);
  if (operator === 'numeric') {
    const valid =
      Array.isArray(argument) &&
      (argument.length === 2 || argument.length === 4) &&
      argument.every((element, index) =>
        index % 2 === 0 ? ['=', '<', '<=', '>', '>='].includes(element as string) : typeof element === 'number',
      );
    if (!valid) throw new InvalidFilterPatternError(`${where}: numeric takes [op, number] or [op, number, op, number]`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}
