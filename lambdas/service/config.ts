import { DEFAULT_OUTBOX_TTL_SECONDS, getIntegerFromEnv } from '../../exports/runtime';

/** Environment variable of the outbox items' time to live, in seconds (API and payments consumer). */
export const OUTBOX_TTL_SECONDS_ENV = 'OUTBOX_TTL_SECONDS';

/** How the service's DynamoDB adapters write outbox items. */
export interface OutboxWriteOptions {
  /** @default DEFAULT_OUTBOX_TTL_SECONDS (7 days) */
  outboxTtlSeconds?: number;
}

/**
 * `OUTBOX_TTL_SECONDS`: a whole number of seconds ≥ 1; 7 days when unset or empty. Anything else
 * fails the function's initialisation with a message naming the variable. Keep it well above the
 * stream's 24 h retention: a redrive from the stream DLQ re-reads the outbox items themselves.
 */
export function outboxTtlSecondsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): number {
  return getIntegerFromEnv(OUTBOX_TTL_SECONDS_ENV, { defaultValue: DEFAULT_OUTBOX_TTL_SECONDS, minimum: 1, unit: 'seconds', env });
}
