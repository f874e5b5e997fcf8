import { IdempotencyKeyReusedError } from './errors';

/** What every use case may ask of its environment besides its ports: the time and fresh ids. */
export interface UseCaseEnvironment {
  clock: () => Date;
  /**
   * The id of a new entity: a fresh ULID, or, for a command with an `Idempotency-Key`, one derived
   * from the key, the same on every execution of that command (an existing entity with it may be
   * the command's own earlier commit).
   */
  newId: () => string;
}

/** Per-request facts a use case passes on into the events it writes. */
export interface RequestContext {
  /** Carried into every event the request causes; command events use it as causationId too. */
  correlationId: string;
}

/**
 * A keyed command's write was refused, and `earlier` is what already holds its derived id (see
 * `newId`). Nothing: the refusal stands and is thrown again. The same command's own earlier commit
 * (its answer was lost, or it died before its idempotency record was completed): this returns, and
 * the command answers as its first run did, writing nothing. Another command under the same key:
 * IdempotencyKeyReusedError, naming `what` it finds (`order … was placed`).
 */
export function acceptOwnEarlierCommit<T>(refusal: unknown, earlier: T | undefined, isSameCommand: (earlier: T) => boolean, what: string): void {
  if (earlier === undefined) throw refusal;
  if (!isSameCommand(earlier)) {
    throw new IdempotencyKeyReusedError(`${what} by an earlier request with the same Idempotency-Key and a different body; use a new key for a new request`, {
      cause: refusal,
    });
  }
}
