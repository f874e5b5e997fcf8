import { describe, it } from '@jest/globals';

import { expect } from '../../support/expect';
import { PATTERN_NAMES, reportViolations, runChaos } from '../../../chaos/chaos-run';
import { FAULT_KINDS } from '../../../chaos/fault-plan';
import { TEST_RATES } from './rates';

const sink = { write: () => true };

describe('a small chaos run', () => {
  it('injects every kind of fault and no pattern loses, invents, doubles, reorders or re-identifies anything', async () => {
    const report = await runChaos({
      commands: 40,
      seed: 283,
      rates: TEST_RATES,
      io: { stdout: sink, stderr: sink } as never,
      workDir: '.local/chaos-test',
      settleTimeoutMs: 120_000,
      // The whole runtime SIGKILLed once with commands in flight, and started again against the same emulator.
      runtimeKills: 1,
    });

    const faultKindsMissing = FAULT_KINDS.filter((kind) => report.faults[kind] === 0);
    const broken = PATTERN_NAMES.flatMap((name) => {
      const { committed, delivered, lost, phantom, duplicateEffects, orderViolations, reidentified } = report.patterns[name];
      return committed === 0 || delivered !== committed || lost + phantom + duplicateEffects + orderViolations + reidentified > 0 ? [{ name, ...report.patterns[name] }] : [];
    });
    expect({ faultKindsMissing, broken, report }).toMatchObject({ faultKindsMissing: [], broken: [] });
    expect(reportViolations(report)).toBe(0);
    // Faults met deliveries of every pattern, and stayed on until everything was applied.
    for (const name of PATTERN_NAMES) expect(report.patterns[name].faultedDeliveries, name).toBeGreaterThan(0);
    expect(report.faults.runtimeKilled).toBe(1);
    expect(report.settle).toMatchObject({ quiet: true, timedOut: false, leftInQueues: 0 });
    expect(report.poison.reachedDeadLetterQueue).toBeGreaterThan(0);
    expect(report.poison.appliedOnce).toBe(report.poison.events);
    expect(report.payments).toMatchObject({ capturedAfterCancel: 0 });
    expect(report.payments.cancelRaces).toBeGreaterThan(0);
    expect(report.commandsAppliedTwice).toEqual({ count: 0, which: [] });
    expect(report.naive.committed).toBeGreaterThan(0);
  }, 300_000);
});
