/**
 * The relay's tuning, read from the environment of the relay and CDC functions. Every variable is
 * optional (the defaults are the algorithm's own); a value that is set but unusable fails the first
 * invocation with the variable's name, rather than running with a surprising backoff.
 */
import { getIntegerFromEnv, MissingConfigurationError } from '../config';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { DEFAULT_SAFETY_MARGIN_MS } from './relay-algorithm';

export const RELAY_BACKOFF_BASE_MS = 'RELAY_BACKOFF_BASE_MS';
export const RELAY_BACKOFF_CAP_MS = 'RELAY_BACKOFF_CAP_MS';
export const RELAY_SAFETY_MARGIN_MS = 'RELAY_SAFETY_MARGIN_MS';

export interface RelayTuning {
  backoff: BackoffPolicy;
  safetyMarginMs: number;
}

function millisecondsFromEnv(env: NodeJS.ProcessEnv, name: string, defaultValue: number, minimum: number): number {
  return getIntegerFromEnv(name, { defaultValue, minimum, unit: 'milliseconds', env });
}

/** `RELAY_BACKOFF_BASE_MS` (default 50), `RELAY_BACKOFF_CAP_MS` (default 5000), `RELAY_SAFETY_MARGIN_MS` (default 5000). */
export function relayTuningFromEnv(env: NodeJS.ProcessEnv = process.env): RelayTuning {
  const baseDelayMs = millisecondsFromEnv(env, RELAY_BACKOFF_BASE_MS, DEFAULT_BACKOFF.baseDelayMs, 1);
  const maxDelayMs = millisecondsFromEnv(env, RELAY_BACKOFF_CAP_MS, DEFAULT_BACKOFF.maxDelayMs, 1);
  if (maxDelayMs < baseDelayMs) {
    throw new MissingConfigurationError(
      `${RELAY_BACKOFF_CAP_MS} (${maxDelayMs}) must not be below ${RELAY_BACKOFF_BASE_MS} (${baseDelayMs})`,
    );
  }
  const safetyMarginMs = millisecondsFromEnv(env, RELAY_SAFETY_MARGIN_MS, DEFAULT_SAFETY_MARGIN_MS, 0);
  return { backoff: { baseDelayMs, maxDelayMs }, safetyMarginMs };
}
