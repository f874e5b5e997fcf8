/**
 * Deadline polling, free of Jest so that any test layer (and code outside the tests) can use it:
 * `waitFor` of the integration tests (re-exported by `aws.ts`) and `eventually` of the end-to-end
 * steps are this one loop with different defaults.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class WaitForTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`waitFor: check still returned false after ${timeoutMs} ms`);
    this.name = 'WaitForTimeoutError';
  }
}

/**
 * Calls `check` every `intervalMs` until it neither throws nor returns `false`, and returns its
 * result. After `timeoutMs` it rethrows the last error `check` threw (so an assertion shows its
 * diff), or a WaitForTimeoutError if `check` kept returning `false`. `check` may be an assertion
 * (`() => expect(...).toBe(...)`) or a predicate.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<Exclude<T, false>> {
  const { timeoutMs = 10_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let thrown: { error: unknown } | undefined;
    try {
      const result = await check();
      if (result !== false) return result as Exclude<T, false>;
    } catch (error) {
      thrown = { error };
    }
    if (Date.now() >= deadline) {
      if (thrown !== undefined) throw thrown.error;
      throw new WaitForTimeoutError(timeoutMs);
    }
    await sleep(intervalMs);
  }
}
