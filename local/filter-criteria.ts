/**
 * Lambda event filtering (`FilterCriteria` of an event source mapping), applied to the records
 * exactly as Lambda gives them to the function, with the answers AWS documents. Where the Lambda
 * and EventBridge guides are silent, this follows AWS's open-source matching engine, event-ruler
 * (github.com/aws/event-ruler), and says so next to the rule.
 *
 * How a record is seen: it is flattened into leaves, each a string, number, boolean or `null`
 * under a dotted path (`dynamodb.NewImage.version.N`). Objects and arrays are never leaves: an
 * array's elements are values of the array's own path, and an object inside an array counts as the
 * value of its parent field (event-ruler's "JSON array matching"). An empty object or array
 * therefore has no leaf at all.
 *
 * How a pattern reads: filters are ORed; in one pattern every field must match; a field's list of
 * conditions is ORed; `$or` splits a pattern into alternatives. A condition matches a field when one
 * of the field's leaves satisfies it, except `exists: false`, which matches when the field has no
 * leaf (a missing key, a key whose parent is missing, or a key whose value is an object). Fields
 * whose leaves come from objects inside the same array must come from the same element (event-ruler
 * matches JSON events "array-consistently").
 *
 * Values are compared by JSON type: a number in a pattern matches JSON numbers only, so DynamoDB's
 * `{"N": "101"}` (a string) is matched by `"101"` and never by `101` or a numeric range.
 *
 * Patterns AWS refuses are refused by `parseFilterCriteria` before any record is looked at;
 * matching itself never throws.
 */
import { BlockList, isIP } from 'node:net';

export type FilterPattern = { [key: string]: unknown };

export class InvalidFilterPatternError extends Error {
  /** What AWS would object to. */
  readonly reason: string;
  /** Where: the filter (`Filters[1]`) and the field in its pattern (`dynamodb.NewImage.version.N`, `$or[1].eventName`). */
  readonly path: string;
  /** The offending rule. */
  readonly rule: unknown;

  constructor(reason: string, path: string, rule: unknown) {
    const rendered = JSON.stringify(rule) ?? String(rule);
    super(`${path ? `${path}: ` : ''}${reason}; offending rule ${rendered}`);
    this.name = 'InvalidFilterPatternError';
    this.reason = reason;
    this.path = path;
    this.rule = rule;
  }
}

/** Lambda's limit on the length of one filter's `Pattern` (Lambda API reference, `Filter`). */
export const MAX_PATTERN_LENGTH = 4096;

/** The patterns of a `FilterCriteria` property (`{ Filters: [{ Pattern: "<json>" }] }`); none means "everything". */
export function parseFilterCriteria(criteria: unknown): FilterPattern[] {
  if (criteria === undefined || criteria === null) return [];
  const filters = (criteria as { Filters?: unknown }).Filters;
  if (filters === undefined) return [];
  if (!Array.isArray(filters)) throw new InvalidFilterPatternError('FilterCriteria.Filters must be a list', 'Filters', filters);
  return filters.map((filter: unknown, index) => {
    const where = `Filters[${index}]`;
    const pattern = (filter as { Pattern?: unknown } | null)?.Pattern;
    let parsed: unknown = pattern;
    if (typeof pattern === 'string') {
      if (pattern.length > MAX_PATTERN_LENGTH) {
        throw new InvalidFilterPatternError(`a pattern is at most ${MAX_PATTERN_LENGTH} characters, this one has ${pattern.length}`, where, `${pattern.slice(0, 80)}…`);
      }
      try {
        parsed = JSON.parse(pattern);
      } catch (error) {
        throw new InvalidFilterPatternError(`the pattern is not JSON: ${(error as Error).message}`, where, pattern);
      }
    }
    try {
      compiledRules(parsed);
    } catch (error) {
      if (error instanceof InvalidFilterPatternError) {
        throw new InvalidFilterPatternError(error.reason, error.path ? `${where} ${error.path}` : where, error.rule);
      }
      throw error;
    }
    return parsed as FilterPattern;
  });
}

/** True if the record matches at least one pattern (or there are none). */
export function matchesAnyFilter(record: unknown, patterns: readonly FilterPattern[]): boolean {
  if (patterns.length === 0) return true;
  const leaves = flatten(record);
  return patterns.some((pattern) => compiledRules(pattern).some((rule) => ruleMatches(rule, leaves)));
}

/** One pattern against one record. Throws `InvalidFilterPatternError` for a pattern AWS refuses. */
export function matchesPattern(event: unknown, pattern: FilterPattern): boolean {
  const leaves = flatten(event);
  return compiledRules(pattern).some((rule) => ruleMatches(rule, leaves));
}

/** Throws `InvalidFilterPatternError` if AWS would refuse this pattern; returns it typed otherwise. */
export function validateFilterPattern(pattern: unknown): FilterPattern {
  compiledRules(pattern);
  return pattern as FilterPattern;
}

// ---------------------------------------------------------------------------------------------
// The record, flattened

type LeafValue = string | number | boolean | null;

interface Leaf {
  value: LeafValue;
  /** Array id → element index, for every array (of objects or arrays) this leaf sits inside. */
  membership: ReadonlyMap<number, number>;
}

type Leaves = Map<string, Leaf[]>;

function flatten(record: unknown): Leaves {
  const leaves: Leaves = new Map();
  let arrays = 0;
  const add = (path: string, value: LeafValue, membership: Map<number, number>) => {
    let list = leaves.get(path);
    if (list === undefined) leaves.set(path, (list = []));
    list.push({ value, membership: new Map(membership) });
  };
  const visit = (path: string, value: unknown, membership: Map<number, number>): void => {
    if (Array.isArray(value)) {
      const arrayId = arrays++;
      value.forEach((element, index) => {
        if (element !== null && typeof element === 'object') {
          // Only containers inside an array carry its index (event-ruler's ArrayMembership): the
          // scalars of one array are alternatives of the same field, never combined with each other.
          membership.set(arrayId, index);
          visit(path, element, membership);
          membership.delete(arrayId);
        } else {
          visit(path, element, membership);
        }
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) visit(path ? `${path}.${key}` : key, child, membership);
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) {
      if (path !== '') add(path, value, membership);
    }
  };
  if (record !== null && typeof record === 'object' && !Array.isArray(record)) visit('', record, new Map());
  return leaves;
}

// ---------------------------------------------------------------------------------------------
// The pattern, compiled: `$or` expanded into alternative rules, each a list of fields

type Condition =
  | { kind: 'exists'; exists: boolean }
  | { kind: 'leaf'; test: (value: LeafValue) => boolean };

interface Field {
  path: string;
  conditions: Condition[];
}

type Rule = Field[];

const compiled = new WeakMap<object, Rule[]>();

function compiledRules(pattern: unknown): Rule[] {
  if (pattern !== null && typeof pattern === 'object') {
    const known = compiled.get(pattern);
    if (known !== undefined) return known;
  }
  if (!isPlainObject(pattern)) throw new InvalidFilterPatternError('a filter pattern must be a JSON object', '', pattern);
  const rules = compileObject(pattern, [], '', [[]], false);
  compiled.set(pattern, rules);
  return rules;
}

/** Reserved in `$or` alternatives (event-ruler, Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP). */
const RESERVED_IN_OR = new Set([
  'exactly', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric', 'cidr',
  '=', '<', '<=', '>', '>=', 'regex', 'not-wildcard', 'not-equals-ignore-case', 'date-after', 'date-on-or-after',
  'date-before', 'date-on-or-before', 'in-date-range', 'ip-address-in-range', 'ip-address-not-in-range',
]);

/**
 * Adds the fields of one pattern object to every rule of `rules` and returns the rules; `$or`
 * multiplies them (event-ruler, JsonRuleCompiler.parseIntoOrRelationship).
 */
function compileObject(pattern: Record<string, unknown>, path: string[], where: string, rules: Rule[], insideOr: boolean): Rule[] {
  const entries = Object.entries(pattern);
  if (entries.length === 0) throw new InvalidFilterPatternError('empty objects are not allowed', where, pattern);
  let current = rules;
  for (const [key, value] of entries) {
    const at = where ? `${where}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isPlainObject)) {
        throw new InvalidFilterPatternError('$or takes a list of at least two pattern objects', at, value);
      }
      current = value.flatMap((alternative, index) =>
        compileObject(alternative, path, `${at}[${index}]`, current.map((rule) => [...rule]), true),
      );
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      throw new InvalidFilterPatternError(`"${key}" is an operator and cannot be a field name inside $or`, at, pattern);
    }
    if (isPlainObject(value)) {
      current = compileObject(value, [...path, key], at, current, insideOr);
    } else if (Array.isArray(value)) {
      const field: Field = { path: [...path, key].join('.'), conditions: compileConditions(value, at) };
      for (const rule of current) rule.push(field);
    } else {
      throw new InvalidFilterPatternError('a field must be a list of conditions or a nested object', at, value);
    }
  }
  return current;
}

function compileConditions(list: unknown[], where: string): Condition[] {
  // A field that lists nothing can never match: AWS refuses it rather than let it silently drop every record.
  if (list.length === 0) throw new InvalidFilterPatternError('empty lists are not allowed', where, list);
  return list.map((condition) => compileCondition(condition, where));
}

function compileCondition(condition: unknown, where: string): Condition {
  if (condition === null || typeof condition === 'string' || typeof condition === 'number' || typeof condition === 'boolean') {
    const expected = condition;
    return { kind: 'leaf', test: (value) => equalsExactly(expected, value) };
  }
  if (!isPlainObject(condition)) {
    throw new InvalidFilterPatternError('a condition is a string, number, true, false, null or an operator object', where, condition);
  }
  const entries = Object.entries(condition);
  if (entries.length !== 1) throw new InvalidFilterPatternError('an operator object has exactly one operator', where, condition);
  const [operator, argument] = entries[0]!;
  const fail = (reason: string): never => {
    throw new InvalidFilterPatternError(reason, where, condition);
  };
  switch (operator) {
    case 'exists':
      if (typeof argument !== 'boolean') fail('exists takes true or false');
      return { kind: 'exists', exists: argument as boolean };
    case 'prefix':
    case 'suffix': {
      const { text, ignoreCase } = affixArgument(argument, operator, fail);
      const test = operator === 'prefix' ? startsWith(text, ignoreCase) : endsWith(text, ignoreCase);
      return { kind: 'leaf', test: (value) => typeof value === 'string' && test(value) };
    }
    case 'equals-ignore-case': {
      if (typeof argument !== 'string') fail('equals-ignore-case takes one string (a list is refused)');
      const folded = foldCase(argument as string);
      return { kind: 'leaf', test: (value) => typeof value === 'string' && foldCase(value) === folded };
    }
    case 'wildcard': {
      if (typeof argument !== 'string') fail('wildcard takes one string (a list is refused)');
      const expression = wildcardExpression(argument as string, fail);
      return { kind: 'leaf', test: (value) => typeof value === 'string' && expression.test(value) };
    }
    case 'numeric': {
      const test = numericTest(argument, fail);
      // Numeric matching works on JSON numbers only (EventBridge guide, "Numeric matching").
      return { kind: 'leaf', test: (value) => typeof value === 'number' && test(value) };
    }
    case 'cidr': {
      const test = cidrTest(argument, fail);
      return { kind: 'leaf', test: (value) => typeof value === 'string' && test(value) };
    }
    case 'anything-but': {
      const excludes = anythingButExclusion(argument, fail);
      return { kind: 'leaf', test: (value) => !excludes(value) };
    }
    default:
      return fail(`unsupported operator "${operator}"`);
  }
}

type Fail = (reason: string) => never;

/** `prefix`/`suffix` take a string or `{ "equals-ignore-case": string }`, never a list (event-ruler JsonRuleCompiler). */
function affixArgument(argument: unknown, operator: string, fail: Fail): { text: string; ignoreCase: boolean } {
  if (typeof argument === 'string') return { text: argument, ignoreCase: false };
  if (isPlainObject(argument)) {
    const entries = Object.entries(argument);
    if (entries.length === 1 && entries[0]![0] === 'equals-ignore-case' && typeof entries[0]![1] === 'string') {
      return { text: entries[0]![1], ignoreCase: true };
    }
  }
  return fail(`${operator} takes one string or {"equals-ignore-case": string} (a list is refused)`);
}

const foldCase = (text: string) => text.toLowerCase();

function startsWith(text: string, ignoreCase: boolean): (value: string) => boolean {
  const folded = ignoreCase ? foldCase(text) : text;
  return ignoreCase ? (value) => foldCase(value).startsWith(folded) : (value) => value.startsWith(text);
}

function endsWith(text: string, ignoreCase: boolean): (value: string) => boolean {
  const folded = ignoreCase ? foldCase(text) : text;
  return ignoreCase ? (value) => foldCase(value).endsWith(folded) : (value) => value.endsWith(text);
}

/**
 * `*` matches any run of characters, newlines included (event-ruler matches bytes); `\*` is a
 * literal asterisk and `\\` a backslash. Consecutive `*` and any other escape are refused (EventBridge
 * guide, "Wildcard matching"; event-ruler WildcardParser).
 */
function wildcardExpression(pattern: string, fail: Fail): RegExp {
  let expression = '';
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index]!;
    if (character === '*') {
      if (pattern[index + 1] === '*') fail(`consecutive wildcard characters at position ${index}`);
      expression += '[\\s\\S]*';
    } else if (character === '\\') {
      const next = pattern[index + 1];
      if (next !== '*' && next !== '\\') fail(`a backslash escapes only "*" or "\\" (position ${index})`);
      expression += `\\${next}`;
      index++;
    } else {
      expression += character.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${expression}$`);
}

/**
 * `["=", n]`, `["<" | "<=", n]`, `[">" | ">=", n]` or `[">" | ">=", low, "<" | "<=", high]` with
 * low < high (event-ruler JsonRuleCompiler.processNumericMatchExpression and Range.between).
 */
function numericTest(argument: unknown, fail: Fail): (value: number) => boolean {
  const usage = 'numeric takes ["=", n], ["<" or "<=" or ">" or ">=", n] or [">" or ">=", low, "<" or "<=", high] with low < high';
  if (!Array.isArray(argument)) return fail(usage);
  const [operator, bound, upperOperator, upperBound] = argument as unknown[];
  if (typeof bound !== 'number' || !Number.isFinite(bound)) return fail(usage);
  if (argument.length === 2) {
    switch (operator) {
      case '=': return (value) => value === bound;
      case '<': return (value) => value < bound;
      case '<=': return (value) => value <= bound;
      case '>': return (value) => value > bound;
      case '>=': return (value) => value >= bound;
      default: return fail(usage);
    }
  }
  if (argument.length !== 4 || (operator !== '>' && operator !== '>=') || (upperOperator !== '<' && upperOperator !== '<=')) return fail(usage);
  if (typeof upperBound !== 'number' || !Number.isFinite(upperBound)) return fail(usage);
  if (!(bound < upperBound)) return fail(`numeric range: the lower bound ${bound} must be below the upper bound ${upperBound}`);
  const aboveLow = operator === '>' ? (value: number) => value > bound : (value: number) => value >= bound;
  const belowHigh = upperOperator === '<' ? (value: number) => value < upperBound : (value: number) => value <= upperBound;
  return (value) => aboveLow(value) && belowHigh(value);
}

/**
 * `"10.0.0.0/24"` or an IPv6 block; matches string values that are IP addresses inside it. Bits of
 * the address past the mask are ignored; the engine refuses a /32 IPv4 (or /128 IPv6) block,
 * asking for an exact value instead (event-ruler CIDR.cidr).
 */
function cidrTest(argument: unknown, fail: Fail): (value: string) => boolean {
  if (typeof argument !== 'string') return fail('cidr takes one string such as "10.0.0.0/24"');
  const [address, bits, extra] = argument.split('/');
  const family = isIP(address ?? '');
  const maskBits = Number(bits);
  const limit = family === 4 ? 31 : 127;
  if (extra !== undefined || family === 0 || !/^\d+$/.test(bits ?? '') || maskBits > limit) {
    return fail(`cidr takes an IP address and mask bits, at most /${family === 6 ? 127 : 31} (a single address is an exact value)`);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const block = new BlockList();
  block.addSubnet(address!, maskBits, type);
  return (value) => isIP(value) === family && block.check(value, type);
}

/**
 * `anything-but` takes a string, a number, a non-empty list of only strings or only numbers, or one
 * of `prefix`/`suffix`/`equals-ignore-case`/`wildcard` with a string or a list of strings
 * (EventBridge guide, "Anything-but matching"; event-ruler JsonRuleCompiler). It matches every leaf
 * it does not name, whatever its type: `{"anything-but": "x"}` matches `5`, `true` and `null`.
 * Returns whether a leaf is excluded.
 */
function anythingButExclusion(argument: unknown, fail: Fail): (value: LeafValue) => boolean {
  if (typeof argument === 'string' || typeof argument === 'number') return (value) => equalsExactly(argument, value);
  if (Array.isArray(argument)) {
    const allStrings = argument.length > 0 && argument.every((element) => typeof element === 'string');
    const allNumbers = argument.length > 0 && argument.every((element) => typeof element === 'number');
    if (!allStrings && !allNumbers) fail('anything-but takes a non-empty list of only strings or only numbers');
    return (value) => argument.some((excluded) => equalsExactly(excluded, value));
  }
  if (isPlainObject(argument)) {
    const entries = Object.entries(argument);
    if (entries.length !== 1) fail('anything-but takes one of prefix, suffix, equals-ignore-case or wildcard');
    const [operator, inner] = entries[0]!;
    if (!['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(operator)) {
      fail(`anything-but takes one of prefix, suffix, equals-ignore-case or wildcard, not "${operator}"`);
    }
    const texts = Array.isArray(inner) ? inner : [inner];
    if (!texts.every((text) => typeof text === 'string')) fail(`anything-but ${operator} takes a string or a list of strings`);
    const strings = texts as string[];
    let test: (value: string) => boolean;
    switch (operator) {
      case 'prefix':
      case 'suffix': {
        if (strings.some((text) => text === '')) fail(`anything-but ${operator} cannot be empty`);
        const tests = strings.map((text) => (operator === 'prefix' ? startsWith(text, false) : endsWith(text, false)));
        test = (value) => tests.some((one) => one(value));
        break;
      }
      case 'equals-ignore-case': {
        const folded = new Set(strings.map(foldCase));
        test = (value) => folded.has(foldCase(value));
        break;
      }
      default: {
        // wildcard
        const expressions = strings.map((text) => wildcardExpression(text, fail));
        test = (value) => expressions.some((expression) => expression.test(value));
      }
    }
    return (value) => typeof value === 'string' && test(value);
  }
  return fail('anything-but takes a string, a number, a list of them, or {prefix|suffix|equals-ignore-case|wildcard: …}');
}

/**
 * Same JSON type and value. Numbers compare as numbers (`3` matches `3.0`); a string that is an IP
 * address matches the same address written otherwise (`::1`, `0:0:0:0:0:0:0:1`), as event-ruler
 * turns IP literals in patterns into address ranges (JsonRuleCompiler.writeRules).
 */
function equalsExactly(expected: LeafValue, value: LeafValue): boolean {
  if (expected === value) return true;
  if (typeof expected === 'string' && typeof value === 'string') {
    const family = isIP(expected);
    if (family !== 0 && isIP(value) === family) {
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const block = new BlockList();
      block.addAddress(expected, type);
      return block.check(value, type);
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Matching

function ruleMatches(rule: Rule, leaves: Leaves): boolean {
  const choices: Leaf[][] = [];
  for (const field of rule) {
    const present = leaves.get(field.path) ?? [];
    if (present.length === 0) {
      if (!field.conditions.some((condition) => condition.kind === 'exists' && !condition.exists)) return false;
      continue;
    }
    const matching = present.filter((leaf) => field.conditions.some((condition) => leafSatisfies(condition, leaf.value)));
    if (matching.length === 0) return false;
    choices.push(matching);
  }
  return consistentChoice(choices, 0, new Map());
}

function leafSatisfies(condition: Condition, value: LeafValue): boolean {
  return condition.kind === 'exists' ? condition.exists : condition.test(value);
}

/** One leaf per field such that no two come from different elements of the same array. */
function consistentChoice(choices: Leaf[][], index: number, chosen: Map<number, number>): boolean {
  if (index === choices.length) return true;
  for (const leaf of choices[index]!) {
    let consistent = true;
    for (const [arrayId, element] of leaf.membership) {
      const taken = chosen.get(arrayId);
      if (taken !== undefined && taken !== element) {
        consistent = false;
        break;
      }
    }
    if (!consistent) continue;
    const added = [...leaf.membership.keys()].filter((arrayId) => !chosen.has(arrayId));
    for (const arrayId of added) chosen.set(arrayId, leaf.membership.get(arrayId)!);
    if (consistentChoice(choices, index + 1, chosen)) return true;
    for (const arrayId of added) chosen.delete(arrayId);
  }
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
