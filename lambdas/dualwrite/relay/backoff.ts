/**
 * Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog):
 * the delay is drawn uniformly from [0, min(cap, base · 2^attempt)). Full jitter spreads the retries
 * of relays that were throttled together, which a fixed exponential delay would keep in lock step.
 */
export interface BackoffPolicy {
  /** Delay ceiling of the first retry (attempt 0), in milliseconds. */
  baseDelayMs: number;
  /** Upper bound of any single delay, in milliseconds. */
  maxDelayMs: number;
}

/** @default base 50 ms, cap 5 s: a throttled PutEvents usually clears within a few hundred ms. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 50, maxDelayMs: 5_000 };

/**
 * @param attempt 0 for the first retry, 1 for the second, …
 * @param random a source of numbers in [0, 1) (`Math.random` in production, a fixed sequence in tests)
 */
export function fullJitterDelayMs(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`attempt must be an integer ≥ 0, got ${attempt}`);
  }
  // 2^attempt overflows to Infinity past 1023; min() with the cap keeps the ceiling finite.
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}
