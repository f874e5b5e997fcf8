import { beforeAll, describe, expect, it } from '@jest/globals';

import { ensureEmulatorVenv } from '../../../local/emulator';
import { MATCHING_CASES } from '../../unit/local/filter-corpus';
import { compareWithMoto, generatePairs, MOTO_DEVIATIONS, type Comparison, type Pair } from './filter-differential';

const SEED = 16;
const GENERATED_PAIRS = 3_000;

/** For each known deviation, a pair where it is the only thing moto gets wrong, with AWS's answer. */
const WITNESSES: Array<{ deviation: string; pair: Pair; aws: boolean }> = [
  { deviation: 'booleans-are-numbers', pair: { pattern: { flag: [1] }, event: { flag: true } }, aws: false },
  { deviation: 'wildcard-stops-at-newline', pair: { pattern: { note: [{ wildcard: 'first*last' }] }, event: { note: 'first\nlast' } }, aws: true },
  { deviation: 'arrays-not-flattened', pair: { pattern: { items: { sku: ['A'] } }, event: { items: [{ sku: 'B' }, { sku: 'A' }] } }, aws: true },
  { deviation: 'empty-containers-are-values', pair: { pattern: { tags: [{ exists: true }] }, event: { tags: {} } }, aws: false },
  { deviation: 'cidr-host-bits-never-match', pair: { pattern: { ip: [{ cidr: '10.0.0.9/24' }] }, event: { ip: '10.0.0.1' } }, aws: true },
  { deviation: 'integers-are-addresses', pair: { pattern: { ip: [{ cidr: '0.0.0.0/24' }] }, event: { ip: 5 } }, aws: false },
  { deviation: 'ip-literals-compared-as-text', pair: { pattern: { ip: ['::1'] }, event: { ip: '0:0:0:0:0:0:0:1' } }, aws: true },
];

const describeDisagreement = (comparison: Comparison) =>
  `${JSON.stringify(comparison.pair)}: local ${comparison.local}, moto ${String(comparison.moto)}`;

describe("local event filtering against moto's EventBridge pattern matcher", () => {
  let python: string;
  let witnessComparisons: Comparison[];
  beforeAll(async () => {
    python = await ensureEmulatorVenv();
    witnessComparisons = compareWithMoto(python, WITNESSES.map((witness) => witness.pair));
  });

  it(`agrees on ${GENERATED_PAIRS} seeded pairs and the corpus, except where moto is known to deviate from AWS`, () => {
    const corpusPairs: Pair[] = MATCHING_CASES.flatMap((entry) =>
      [...entry.matches, ...entry.misses].map((event) => ({ pattern: entry.pattern, event: event as Record<string, unknown> })),
    );
    const comparisons = compareWithMoto(python, [...generatePairs(SEED, GENERATED_PAIRS), ...corpusPairs]);

    expect(comparisons.filter((comparison) => typeof comparison.moto !== 'boolean').map(describeDisagreement)).toEqual([]);
    const unexplained = comparisons.filter((comparison) => comparison.local !== comparison.moto && comparison.explainedBy.length === 0);
    expect(unexplained.map(describeDisagreement)).toEqual([]);

    // The pairs exercise both answers, and the deviations stay the exception.
    const matching = comparisons.filter((comparison) => comparison.local).length;
    expect(matching).toBeGreaterThan(comparisons.length * 0.15);
    expect(comparisons.length - matching).toBeGreaterThan(comparisons.length * 0.15);
    const disagreements = comparisons.filter((comparison) => comparison.local !== comparison.moto).length;
    expect(disagreements).toBeLessThan(comparisons.length * 0.05);
  });

  it('has a witness for each listed deviation, and lists each once', () => {
    expect(new Set(MOTO_DEVIATIONS.map((deviation) => deviation.id)).size).toBe(MOTO_DEVIATIONS.length);
    expect(WITNESSES.map((witness) => witness.deviation).sort()).toEqual(MOTO_DEVIATIONS.map((deviation) => deviation.id).sort());
  });

  it.each(WITNESSES.map((witness, index) => [witness.deviation, witness, index] as const))("the deviation %s is real: moto gets its witness wrong, the local matcher gives AWS's answer", (id, witness, index) => {
    const comparison = witnessComparisons[index];
    expect(comparison!.local).toBe(witness.aws);
    expect(comparison!.moto).toBe(!witness.aws);
    expect(comparison!.explainedBy).toEqual([id]);
  });
});
