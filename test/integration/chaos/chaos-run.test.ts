import { describe, expect, it } from '@jest/globals';
import { PATTERN_NAMES, runChaos } from '../../../chaos/chaos-run';
import { FAULT_KINDS } from '../../../chaos/fault-plan';
import { TEST_RATES } from './rates';

const sink = { write: () => true };

describe('a small chaos run', () => {
  it('injects every kind of fault and no pattern loses, invents, doubles or reorders anything', async () => {
    const report = await runChaos({
      commands: 40,
      seed: 283,
      rates: TEST_RATES,
      io: { stdout: sink, stderr: sink } as never,
      workDir: '.local/chaos-test',
      settleTimeoutMs: 90_000,
    });

    const faultKindsMissing = FAULT_KINDS.filter((kind) => report.faults[kind] === 0);
    const broken = PATTERN_NAMES.flatMap((name) => {
      const { committed, delivered, lost, phantom, duplicateEffects, orderViolations } = report.patterns[name];
      return committed === 0 || delivered !== committed || lost + phantom + duplicateEffects + orderViolations > 0 ? [{ name, ...report.patterns[name] }] : [];
    });
    expect({ faultKindsMissing, broken, report }).toMatchObject({ faultKindsMissing: [], broken: [] });
    expect(report.naive.committed).toBeGreaterThan(0);
  }, 240_000);
});
