import type { FaultRates } from '../../../chaos/fault-plan';

/** Rates high enough that a short run meets every kind of fault (seed 283 of the test draws each one within its first four decisions per seam). */
export const TEST_RATES: FaultRates = {
  putEventsThrottled: 0.12,
  putEventsPartialFailure: 0.2,
  putEventsAcceptedThenFailed: 0.12,
  outageStart: 0.12,
  outageCalls: [1, 3],
  relayCrashMidBatch: 0.2,
  streamDuplicateDelivery: 0.2,
  sqsDuplicateDelivery: 0.3,
  sqsReorderedDelivery: 0.9,
  consumerCrashBeforeAck: 0.4,
  poisonEvent: 0.1,
  transactionConflict: 0.1,
  transactionThrottled: 0.1,
  answerLost: 0.2,
};
