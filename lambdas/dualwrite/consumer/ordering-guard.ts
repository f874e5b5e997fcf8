/**
 * Per-aggregate ordering for consumers that keep a view (docs/design.md#consumers). Delivery order is not
 * commit order (EventBridge keeps none, SQS standard queues keep none), so a consumer compares the
 * incoming `aggregateVersion` with the last one it applied instead of trusting arrival order.
 */
export type OrderingDecision = 'apply' | 'duplicate' | 'early';

/**
 * @param lastAppliedVersion the version the view already holds; 0 when it holds none
 * @param incomingVersion the event's `aggregateVersion` (1, 2, 3 … without gaps)
 * @returns `apply` for exactly the next version, `duplicate` for one already applied (acknowledge
 *   and skip), `early` when versions in between are missing (fail that record so SQS redelivers it
 *   after the gap is filled)
 */
export function decideByVersion(lastAppliedVersion: number, incomingVersion: number): OrderingDecision {
  if (!Number.isInteger(lastAppliedVersion) || lastAppliedVersion < 0) {
    throw new RangeError(`lastAppliedVersion must be an integer ≥ 0, got ${lastAppliedVersion}`);
  }
  if (!Number.isInteger(incomingVersion) || incomingVersion < 1) {
    throw new RangeError(`incomingVersion must be an integer ≥ 1, got ${incomingVersion}`);
  }
  if (incomingVersion <= lastAppliedVersion) return 'duplicate';
  if (incomingVersion === lastAppliedVersion + 1) return 'apply';
  return 'early';
}

/**
 * Thrown for an event that arrived before its predecessor. Throwing it fails only that record of
 * the SQS batch (partial batch response); SQS makes it visible again after the visibility timeout,
 * by which time the missing versions have usually been applied. Events that stay early end in the
 * queue's DLQ after `maxReceiveCount` receives.
 */
export class EarlyEventError extends Error {
  constructor(
    public readonly aggregateKey: string,
    public readonly expectedVersion: number,
    public readonly receivedVersion: number,
  ) {
    super(
      `event for ${aggregateKey} arrived early: expected version ${expectedVersion}, got ${receivedVersion}; ` +
        'failing the record so that it is redelivered after the missing versions',
    );
    this.name = 'EarlyEventError';
  }
}
