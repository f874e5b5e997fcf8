/**
 * Where the emulator's EventBridge rule matching (moto 5.2.1, `moto.events.models.EventPattern`)
 * answers differently from AWS. EventBridge rules are matched by moto locally, not by
 * `filter-criteria.ts`; the runtime warns about a rule whose pattern uses one of these, and
 * local/README.md lists them. test/integration/local/filter-differential.test.ts keeps this list
 * honest: every pair on which moto and the local matcher (which follows AWS) disagree must be
 * explained by one of these, and each has a witness pair on which moto is wrong.
 */
import { isIP } from 'node:net';

export interface MotoRuleDeviation {
  id: string;
  /** What moto does. */
  moto: string;
  /** Why AWS answers otherwise, with the rule it follows. */
  reason: string;
  /**
   * Whether a pattern uses what moto gets wrong. Absent when only the events decide (a rule
   * cannot tell whether the matched events hold lists of objects).
   */
  patternUses?: (pattern: unknown) => boolean;
}

export const MOTO_RULE_DEVIATIONS: readonly MotoRuleDeviation[] = [
  {
    id: 'booleans-are-numbers',
    moto: 'compares with Python ==, where true == 1 and false == 0, and takes booleans as numbers in numeric and as addresses in cidr',
    reason: 'AWS matches by JSON type: a number condition matches JSON numbers only, and true matches the literal true only (EventBridge guide, numeric matching and event pattern values)',
    patternUses: (pattern) => patternConditions(pattern).some((condition) => mentionsNumber(condition) || typeof condition === 'boolean'),
  },
  {
    id: 'wildcard-stops-at-newline',
    moto: 'turns * into the regular expression .* without DOTALL, so * does not match across a newline',
    reason: '* stands for any run of characters (EventBridge guide, wildcard matching); event-ruler matches bytes, newlines included',
    patternUses: (pattern) => JSON.stringify(pattern).includes('"wildcard"'),
  },
  {
    id: 'arrays-not-flattened',
    moto: 'does not look inside objects or lists that are elements of a list',
    reason: "an object in a list counts as the value of the list's field, at any depth, consistently per element (event-ruler README, JSON array matching)",
  },
  {
    id: 'empty-containers-are-values',
    moto: 'keeps an empty object or list as a value: exists: true matches it, exists: false does not, anything-but matches {}',
    reason: 'only leaves exist, and an empty object or list holds none (EventBridge guide, exists matching on leaf nodes; event-ruler Event flattening)',
    patternUses: (pattern) => patternConditions(pattern).some((condition) => operatorOf(condition) === 'exists' || operatorOf(condition) === 'anything-but'),
  },
  {
    id: 'cidr-host-bits-never-match',
    moto: "parses the block with Python's strict ip_network, which raises when bits past the mask are set, and then matches nothing",
    reason: 'event-ruler CIDR.cidr masks the address (10.0.0.5/24 is 10.0.0.0/24); AWS accepts the pattern, so it matches the block',
    patternUses: (pattern) => patternConditions(pattern).some((condition) => cidrHasHostBits(cidrOf(condition))),
  },
  {
    id: 'integers-are-addresses',
    moto: 'accepts a JSON integer as an IP address in cidr (ip_address(5) is 0.0.0.5)',
    reason: 'IP matching applies to string values only (EventBridge guide, IP address matching; event-ruler ByteMachine matches CIDR ranges on non-numeric values)',
    patternUses: (pattern) => patternConditions(pattern).some((condition) => cidrOf(condition) !== undefined),
  },
  {
    id: 'ip-literals-compared-as-text',
    moto: 'compares an IP address in a pattern as text, so ::1 does not match 0:0:0:0:0:0:0:1',
    reason: 'event-ruler turns an IP literal in a pattern into an address range (JsonRuleCompiler.writeRules, CIDR.ipToRangeIfPossible), so any spelling of the address matches',
    patternUses: (pattern) => patternConditions(pattern).some((condition) => typeof condition === 'string' && isIP(condition) !== 0),
  },
];

/** The deviations a rule's `EventPattern` (object or JSON text) may run into. */
export function motoDeviationsFor(eventPattern: unknown): MotoRuleDeviation[] {
  let pattern = eventPattern;
  if (typeof eventPattern === 'string') {
    try {
      pattern = JSON.parse(eventPattern);
    } catch {
      return [];
    }
  }
  return MOTO_RULE_DEVIATIONS.filter((deviation) => deviation.patternUses?.(pattern) === true);
}

/** Every condition in a pattern (the elements of its value lists), through nesting and `$or`. */
export function patternConditions(pattern: unknown): unknown[] {
  if (Array.isArray(pattern)) return pattern.flatMap(patternConditions);
  if (pattern === null || typeof pattern !== 'object') return [];
  return Object.entries(pattern).flatMap(([key, value]) =>
    key === '$or' ? patternConditions(value) : Array.isArray(value) ? value : patternConditions(value),
  );
}

/** Whether a condition involves numbers: a number literal, numeric, anything-but of numbers, or cidr (moto reads integers as addresses). */
export function mentionsNumber(condition: unknown): boolean {
  if (typeof condition === 'number') return true;
  const operator = operatorOf(condition);
  if (operator === 'numeric' || operator === 'cidr') return true;
  const argument = (condition as { 'anything-but'?: unknown } | null)?.['anything-but'];
  return operator === 'anything-but' && (typeof argument === 'number' || (Array.isArray(argument) && typeof argument[0] === 'number'));
}

export function cidrOf(condition: unknown): string | undefined {
  const cidr = operatorOf(condition) === 'cidr' ? (condition as { cidr: unknown }).cidr : undefined;
  return typeof cidr === 'string' ? cidr : undefined;
}

/** Whether a block sets bits past its mask (`10.0.0.5/24`, `2001:db8::1/32`). */
export function cidrHasHostBits(cidr: string | undefined): boolean {
  const [address, bits] = (cidr ?? '').split('/');
  const family = isIP(address ?? '');
  if (family === 0) return false;
  const width = family === 4 ? 32 : 128;
  const value = family === 4 ? ipv4Value(address!) : ipv6Value(address!);
  return value % 2n ** BigInt(width - Number(bits)) !== 0n;
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((total, octet) => total * 256n + BigInt(octet), 0n);
}

function ipv6Value(address: string): bigint {
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const tail = address.match(/(\d+\.\d+\.\d+\.\d+)$/)?.[1];
  const text = tail === undefined ? address : address.slice(0, -tail.length) + (() => {
    const v4 = ipv4Value(tail);
    return `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  })();
  const [head, rest] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(rest).length;
  const all = rest === undefined ? groups(head) : [...groups(head), ...Array<string>(missing).fill('0'), ...groups(rest)];
  return all.reduce((total, group) => total * 65536n + BigInt(`0x${group}`), 0n);
}

function operatorOf(condition: unknown): string | undefined {
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) return undefined;
  return Object.keys(condition)[0];
}
