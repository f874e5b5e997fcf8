/**
 * The differential check of local/filter-criteria.ts against a peer, moto's EventBridge pattern
 * matcher (the one that routes EventBridge rules in the local emulator): seeded (pattern, record)
 * pairs, both answers, and when a pair runs into one of the known places where moto is wrong and
 * AWS agrees with the local matcher (local/moto-rule-deviations.ts). Used by filter-differential.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { isIP } from 'node:net';
import path from 'node:path';

import { integerBetween, mulberry32, type Random } from '../../../chaos/prng';
import { matchesPattern, validateFilterPattern, type FilterPattern } from '../../../local/filter-criteria';
import { cidrHasHostBits, cidrOf, mentionsNumber, MOTO_RULE_DEVIATIONS, type MotoRuleDeviation } from '../../../local/moto-rule-deviations';

export interface Pair {
  pattern: FilterPattern;
  event: Record<string, unknown>;
}

export interface MotoDeviation extends MotoRuleDeviation {
  /** Whether the pair holds what moto gets wrong where the pattern looks (needed for moto to differ, not enough). */
  applies(pair: Pair): boolean;
}

/**
 * For each deviation of local/moto-rule-deviations.ts, when a pair runs into it. Each looks only at
 * the record's values under a path the pattern tests, so a deviation excuses a pair only when what
 * moto gets wrong is where the pattern looks.
 */
const RUNS_INTO: Record<string, (pair: Pair) => boolean> = {
  'booleans-are-numbers': (pair) =>
    testedValues(pair).some(
      ({ condition, values }) =>
        (mentionsNumber(condition) && values.some((value) => typeof value === 'boolean')) ||
        (typeof condition === 'boolean' && values.some((value) => typeof value === 'number')),
    ),
  'wildcard-stops-at-newline': (pair) =>
    testedValues(pair).some(
      ({ condition, values }) =>
        JSON.stringify(condition).includes('"wildcard"') && values.some((value) => typeof value === 'string' && value.includes('\n')),
    ),
  'arrays-not-flattened': (pair) => testedValues(pair).some(({ crossesNestedArray }) => crossesNestedArray),
  'empty-containers-are-values': (pair) =>
    testedValues(pair).some(({ values }) => values.some((value) => value !== null && typeof value === 'object' && Object.keys(value).length === 0)),
  'cidr-host-bits-never-match': (pair) =>
    testedValues(pair).some(({ condition, values }) => cidrHasHostBits(cidrOf(condition)) && values.some((value) => typeof value === 'string')),
  'integers-are-addresses': (pair) =>
    testedValues(pair).some(
      ({ condition, values }) => cidrOf(condition) !== undefined && values.some((value) => typeof value === 'number' || typeof value === 'boolean'),
    ),
  'ip-literals-compared-as-text': (pair) =>
    testedValues(pair).some(
      ({ condition, values }) =>
        typeof condition === 'string' && isIP(condition) !== 0 && values.some((value) => typeof value === 'string' && isIP(value) !== 0 && value !== condition),
    ),
};

export const MOTO_DEVIATIONS: MotoDeviation[] = MOTO_RULE_DEVIATIONS.map((deviation) => {
  const applies = RUNS_INTO[deviation.id];
  if (applies === undefined) throw new Error(`no record predicate for the moto deviation ${deviation.id}`);
  return { ...deviation, applies };
});

// ---------------------------------------------------------------------------------------------
// The pairs

const FIELD_NAMES = ['a', 'b', 'c'];
const NESTED_NAMES = ['x', 'y'];
const STRINGS = ['', 'x', 'X', 'xy', 'yx', 'xYz', 'a*b', 'a\\b', 'line\nbreak', 'us-east-1', 'eu-west-1', 'OUTBOX#1', '10.0.0.5', '10.0.1.5', '::1', '0:0:0:0:0:0:0:1', '2001:db8::7'];
const NUMBERS = [0, 1, 3, 3.5, -2, 100];
const LITERALS = [true, false, null];
const WILDCARDS = ['x*', '*y', 'x*y', '*', 'a\\*b', 'a\\\\b', 'line*', '*break', 'us-*-1', '*.*'];
const CIDRS = ['10.0.0.0/24', '10.0.0.5/24', '10.0.0.0/8', '0.0.0.0/8', '2001:db8::/32', '::/64'];
const NUMERIC_RANGES: unknown[][] = [['=', 3], ['<', 3], ['<=', 3], ['>', 0], ['>=', 1], ['>', 0, '<=', 3.5], ['>=', -2, '<', 1], ['>', 1, '<', 100]];

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function scalar(random: Random): string | number | boolean | null {
  const roll = random();
  return roll < 0.6 ? pick(random, STRINGS) : roll < 0.9 ? pick(random, NUMBERS) : pick(random, LITERALS);
}

function condition(random: Random): unknown {
  switch (integerBetween(random, 0, 11)) {
    case 0:
    case 1:
      return scalar(random);
    case 2:
      return random() < 0.5 ? { prefix: pick(random, STRINGS.filter((text) => !text.includes('\n'))) } : { prefix: { 'equals-ignore-case': pick(random, ['x', 'X', 'US-', 'outbox']) } };
    case 3:
      return random() < 0.5 ? { suffix: pick(random, ['y', 'x', '-1', '5', 'break']) } : { suffix: { 'equals-ignore-case': pick(random, ['Y', 'z', '-1']) } };
    case 4:
      return { 'equals-ignore-case': pick(random, ['x', 'XY', 'us-east-1', 'outbox#1']) };
    case 5:
      return { wildcard: pick(random, WILDCARDS) };
    case 6:
      return { numeric: pick(random, NUMERIC_RANGES) };
    case 7:
      return { exists: random() < 0.5 };
    case 8:
      return { cidr: pick(random, CIDRS) };
    default:
      return { 'anything-but': anythingButArgument(random) };
  }
}

function anythingButArgument(random: Random): unknown {
  switch (integerBetween(random, 0, 7)) {
    case 0: return pick(random, STRINGS);
    case 1: return pick(random, NUMBERS);
    case 2: return [pick(random, STRINGS), pick(random, STRINGS)];
    case 3: return [pick(random, NUMBERS), pick(random, NUMBERS)];
    case 4: return { prefix: pick(random, ['x', 'us-', '10.']) };
    case 5: return { suffix: random() < 0.5 ? 'y' : ['y', '-1'] };
    case 6: return { 'equals-ignore-case': random() < 0.5 ? 'X' : ['xy', 'EU-WEST-1'] };
    default: return { wildcard: pick(random, WILDCARDS) };
  }
}

function patternObject(random: Random, depth: number, names: readonly string[]): FilterPattern {
  const pattern: FilterPattern = {};
  const fields = integerBetween(random, 1, depth === 0 ? 3 : 2);
  for (const name of pickDistinct(random, names, fields)) {
    pattern[name] =
      depth < 2 && random() < 0.25
        ? patternObject(random, depth + 1, NESTED_NAMES)
        : Array.from({ length: integerBetween(random, 1, 2) }, () => condition(random));
  }
  if (depth === 0 && random() < 0.1) pattern.$or = [patternObject(random, 1, FIELD_NAMES), patternObject(random, 1, FIELD_NAMES)];
  return pattern;
}

function eventValue(random: Random, depth: number): unknown {
  const roll = random();
  if (roll < 0.55 || depth >= 2) return scalar(random);
  if (roll < 0.67) return Array.from({ length: integerBetween(random, 1, 3) }, () => scalar(random));
  if (roll < 0.77) return Array.from({ length: integerBetween(random, 1, 2) }, () => eventObject(random, depth + 1, NESTED_NAMES));
  if (roll < 0.9) return eventObject(random, depth + 1, NESTED_NAMES);
  if (roll < 0.95) return random() < 0.5 ? {} : [];
  return [[scalar(random)], [scalar(random), scalar(random)]];
}

function eventObject(random: Random, depth: number, names: readonly string[]): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const name of pickDistinct(random, names, integerBetween(random, 0, names.length))) event[name] = eventValue(random, depth);
  return event;
}

function pickDistinct<T>(random: Random, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const chosen: T[] = [];
  while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  return chosen;
}

/** A record built to satisfy the pattern's fields half of the time, so that pairs match as often as not. */
function eventFor(random: Random, pattern: FilterPattern): Record<string, unknown> {
  const event = eventObject(random, 0, FIELD_NAMES);
  for (const [name, rule] of Object.entries(pattern)) {
    if (name === '$or' || random() < 0.25) continue;
    if (Array.isArray(rule)) {
      const likely = likelyValue(random, pick(random, rule));
      if (likely !== undefined) event[name] = likely;
    } else {
      event[name] = eventFor(random, rule as FilterPattern);
    }
  }
  return event;
}

function likelyValue(random: Random, condition: unknown): unknown {
  if (condition === null || typeof condition !== 'object') return condition;
  const [operator, argument] = Object.entries(condition)[0]!;
  switch (operator) {
    case 'prefix': return typeof argument === 'string' ? `${argument}${pick(random, STRINGS)}` : pick(random, STRINGS);
    case 'suffix': return typeof argument === 'string' ? `${pick(random, STRINGS)}${argument}` : pick(random, STRINGS);
    case 'numeric': return (argument as number[])[1]! + pick(random, [0, 0.5, -0.5, 1]);
    case 'cidr': return pick(random, ['10.0.0.5', '10.0.0.255', '2001:db8::7', '0.0.0.5']);
    case 'exists': return argument ? scalar(random) : undefined;
    default: return scalar(random);
  }
}

/** `count` seeded pairs, every pattern one AWS accepts (and so does moto). */
export function generatePairs(seed: number, count: number): Pair[] {
  const random = mulberry32(seed);
  const pairs: Pair[] = [];
  while (pairs.length < count) {
    const pattern = patternObject(random, 0, FIELD_NAMES);
    validateFilterPattern(pattern);
    pairs.push({ pattern, event: eventFor(random, pattern) });
  }
  return pairs;
}

// ---------------------------------------------------------------------------------------------
// Both answers

export interface Comparison {
  pair: Pair;
  local: boolean;
  moto: boolean | string;
  /** The deviations that apply when the answers differ. */
  explainedBy: string[];
}

/** Runs every pair through moto (one Python process) and the local matcher. */
export function compareWithMoto(python: string, pairs: readonly Pair[]): Comparison[] {
  const script = path.join(__dirname, 'fixtures', 'moto_event_pattern.py');
  const result = spawnSync(python, [script], {
    input: pairs.map((pair) => JSON.stringify(pair)).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`moto peer failed (${result.status}): ${result.stderr}`);
  const answers = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { match?: boolean; error?: string });
  if (answers.length !== pairs.length) throw new Error(`moto answered ${answers.length} of ${pairs.length} pairs`);
  return pairs.map((pair, index) => {
    const local = matchesPattern(pair.event, pair.pattern);
    const answer = answers[index]!;
    const moto = answer.error !== undefined ? `error: ${answer.error}` : answer.match!;
    const explainedBy = moto === local ? [] : MOTO_DEVIATIONS.filter((deviation) => deviation.applies(pair)).map((deviation) => deviation.id);
    return { pair, local, moto, explainedBy };
  });
}

// ---------------------------------------------------------------------------------------------
// Walking patterns and records

interface TestedValues {
  condition: unknown;
  /** The record's values under the condition's path: the value itself and, for a list, its elements, at any depth. */
  values: unknown[];
  /** Whether reaching them went through an object or list that is an element of a list. */
  crossesNestedArray: boolean;
}

/** For every condition of the pattern (through nesting and `$or`), what the record holds where it looks. */
function testedValues({ pattern, event }: Pair): TestedValues[] {
  const tested: TestedValues[] = [];
  const visitPattern = (node: Record<string, unknown>, path: string[]) => {
    for (const [key, rule] of Object.entries(node)) {
      if (key === '$or') {
        for (const alternative of rule as Array<Record<string, unknown>>) visitPattern(alternative, path);
      } else if (Array.isArray(rule)) {
        const { values, crossesNestedArray } = valuesAt(event, [...path, key]);
        for (const condition of rule) tested.push({ condition, values, crossesNestedArray });
      } else {
        visitPattern(rule as Record<string, unknown>, [...path, key]);
      }
    }
  };
  visitPattern(pattern, []);
  return tested;
}

function valuesAt(root: unknown, path: readonly string[]): { values: unknown[]; crossesNestedArray: boolean } {
  const values: unknown[] = [];
  let crossesNestedArray = false;
  const expand = (value: unknown): unknown[] => {
    if (!Array.isArray(value)) return [value];
    if (value.some((element) => element !== null && typeof element === 'object')) crossesNestedArray = true;
    return [value, ...value.flatMap(expand)];
  };
  const walk = (value: unknown, depth: number) => {
    if (depth === path.length) {
      values.push(...expand(value));
      return;
    }
    for (const candidate of expand(value)) {
      if (candidate !== null && typeof candidate === 'object' && !Array.isArray(candidate) && path[depth]! in candidate) {
        walk((candidate as Record<string, unknown>)[path[depth]!], depth + 1);
      }
    }
  };
  walk(root, 0);
  return { values, crossesNestedArray };
}
