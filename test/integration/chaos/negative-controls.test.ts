/**
 * Negative controls: a chaos run must notice when the pipeline is broken. Each run replaces one
 * function of the stack with a fixture broken on purpose (the `functionCode` test seam, which only
 * tests pass: `npm run chaos` has no such flag and nothing deployed reads it) and expects the run to
 * report the breakage and fail.
 */
import { describe, expect, it } from '@jest/globals';
import { reportViolations, runChaos, type ChaosOptions } from '../../../chaos/chaos-run';
import { DEFAULT_FAULT_RATES, type FaultRates } from '../../../chaos/fault-plan';
import { fixtureCode } from './support';

const sink = { write: () => true };
const WORK_DIR = '.local/chaos-negative';

/** Faults that make the relay republish (crashes mid-batch, answers lost) and fail entries, none of the slower kinds. */
const RATES: FaultRates = {
  ...DEFAULT_FAULT_RATES,
  putEventsThrottled: 0,
  putEventsPartialFailure: 0.5,
  putEventsAcceptedThenFailed: 0.3,
  outageStart: 0,
  relayCrashMidBatch: 0.3,
  streamDuplicateDelivery: 0,
  sqsDuplicateDelivery: 0,
  sqsReorderedDelivery: 0,
  consumerCrashBeforeAck: 0,
  poisonEvent: 0,
  transactionConflict: 0,
  transactionThrottled: 0,
  answerLost: 0,
};

const smallRun = (functionCode: ChaosOptions['functionCode'], seed: number) =>
  runChaos({
    commands: 16,
    seed,
    rates: RATES,
    runtimeKills: 0,
    io: { stdout: sink, stderr: sink } as never,
    workDir: WORK_DIR,
    settleTimeoutMs: 90_000,
    functionCode,
  });

describe('negative controls: a chaos run reports a broken pipeline and fails', () => {
  it('a relay that does not retry retryable entries loses events', async () => {
    const report = await smallRun([fixtureCode('relay-without-entry-retries', 'RelayFunction', WORK_DIR)], 11);

    expect(report.faults.putEventsPartialFailure).toBeGreaterThan(0);
    expect(report.patterns.outbox.lost + report.patterns.listenToYourself.lost).toBeGreaterThan(0);
    expect(reportViolations(report)).toBeGreaterThan(0);
  }, 300_000);

  it('a consumer that deduplicates on the SQS message id applies republished events twice', async () => {
    const report = await smallRun([fixtureCode('timeline-deduplicating-on-message-id', 'TimelineConsumerFunction', WORK_DIR)], 12);

    const duplicateEffects = report.patterns.outbox.duplicateEffects + report.patterns.listenToYourself.duplicateEffects + report.patterns.logTailing.duplicateEffects;
    expect(duplicateEffects).toBeGreaterThan(0);
    expect(reportViolations(report)).toBeGreaterThan(0);
  }, 300_000);
});
