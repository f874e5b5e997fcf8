/**
 * The relay's tuning, read from the environment of the relay and CDC functions. Every variable is
 * optional (the defaults are the algorithm's own); a value that is set but unusable fails the first
 * invocation with the variable's name, rather than running with a surprising backoff.
 */
import { getIntegerFromEnv, MissingConfigurationError } from '../config';
import { MAX_PUT_EVENTS_BYTES, MAX_RAISED_PUT_EVENTS_BYTES } from '../envelope';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { PUT_EVENTS_LIMITS, type BatchLimits } from './batching';
import { DEFAULT_MAX_CONCURRENT_CALLS, DEFAULT_SAFETY_MARGIN_MS } from './relay-algorithm';

export const RELAY_BACKOFF_BASE_MS = 'RELAY_BACKOFF_BASE_MS';
export const RELAY_BACKOFF_CAP_MS = 'RELAY_BACKOFF_CAP_MS';
export const RELAY_SAFETY_MARGIN_MS = 'RELAY_SAFETY_MARGIN_MS';
export const RELAY_MAX_CONCURRENT_CALLS = 'RELAY_MAX_CONCURRENT_CALLS';
export const RELAY_PUT_EVENTS_MAX_BYTES = 'RELAY_PUT_EVENTS_MAX_BYTES';

/** The most calls in flight a deployer may ask for: each one holds a socket and a share of the account's PutEvents quota. */
export const MAX_CONCURRENT_CALLS_LIMIT = 50;

export interface RelayTuning {
  backoff: BackoffPolicy;
  safetyMarginMs: number;
  maxConcurrentCalls: number;
  limits: BatchLimits;
}

function millisecondsFromEnv(env: NodeJS.ProcessEnv, name: string, defaultValue: number, minimum: number): number {
  return getIntegerFromEnv(name, { defaultValue, minimum, unit: 'milliseconds', env });
}

/**
 * `RELAY_BACKOFF_BASE_MS` (default 50), `RELAY_BACKOFF_CAP_MS` (default 5000), `RELAY_SAFETY_MARGIN_MS`
 * (default 5000), `RELAY_MAX_CONCURRENT_CALLS` (default DEFAULT_MAX_CONCURRENT_CALLS, 1 to 50) and
 * `RELAY_PUT_EVENTS_MAX_BYTES` (default 262144 = 256 KB, 256 KB to 1 MB).
 */
export function relayTuningFromEnv(env: NodeJS.ProcessEnv = process.env): RelayTuning {
  const baseDelayMs = millisecondsFromEnv(env, RELAY_BACKOFF_BASE_MS, DEFAULT_BACKOFF.baseDelayMs, 1);
  const maxDelayMs = millisecondsFromEnv(env, RELAY_BACKOFF_CAP_MS, DEFAULT_BACKOFF.maxDelayMs, 1);
  if (maxDelayMs < baseDelayMs) {
    throw new MissingConfigurationError(
      `${RELAY_BACKOFF_CAP_MS} (${maxDelayMs}) must not be below ${RELAY_BACKOFF_BASE_MS} (${baseDelayMs})`,
    );
  }
  const safetyMarginMs = millisecondsFromEnv(env, RELAY_SAFETY_MARGIN_MS, DEFAULT_SAFETY_MARGIN_MS, 0);
  const maxConcurrentCalls = getIntegerFromEnv(RELAY_MAX_CONCURRENT_CALLS, { defaultValue: DEFAULT_MAX_CONCURRENT_CALLS, minimum: 1, maximum: MAX_CONCURRENT_CALLS_LIMIT, unit: 'calls', env });
  const maxBytes = getIntegerFromEnv(RELAY_PUT_EVENTS_MAX_BYTES, {
    defaultValue: MAX_PUT_EVENTS_BYTES,
    minimum: MAX_PUT_EVENTS_BYTES,
    maximum: MAX_RAISED_PUT_EVENTS_BYTES,
    unit: 'bytes',
    env,
  });
  return { backoff: { baseDelayMs, maxDelayMs }, safetyMarginMs, maxConcurrentCalls, limits: { ...PUT_EVENTS_LIMITS, maxBytes } };
}
