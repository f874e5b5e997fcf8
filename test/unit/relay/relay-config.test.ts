import { describe, expect, it } from '@jest/globals';
import { MissingConfigurationError } from '../../../lambdas/dualwrite/config';
import { outboxRelayDepsFromEnv } from '../../../lambdas/dualwrite/relay/handler';
import { DEFAULT_BACKOFF } from '../../../lambdas/dualwrite/relay/backoff';
import { PUT_EVENTS_LIMITS } from '../../../lambdas/dualwrite/relay/batching';
import { DEFAULT_MAX_CONCURRENT_CALLS, DEFAULT_SAFETY_MARGIN_MS } from '../../../lambdas/dualwrite/relay/relay-algorithm';
import { relayTuningFromEnv } from '../../../lambdas/dualwrite/relay/relay-config';

describe('relayTuningFromEnv', () => {
  it('keeps the algorithm defaults when nothing is set', () => {
    expect(relayTuningFromEnv({})).toEqual({
      backoff: DEFAULT_BACKOFF,
      safetyMarginMs: DEFAULT_SAFETY_MARGIN_MS,
      maxConcurrentCalls: DEFAULT_MAX_CONCURRENT_CALLS,
      limits: PUT_EVENTS_LIMITS,
    });
  });

  it('reads the backoff base, cap and safety margin', () => {
    expect(relayTuningFromEnv({ RELAY_BACKOFF_BASE_MS: '20', RELAY_BACKOFF_CAP_MS: '800', RELAY_SAFETY_MARGIN_MS: '0' })).toMatchObject({
      backoff: { baseDelayMs: 20, maxDelayMs: 800 },
      safetyMarginMs: 0,
    });
  });

  it('reads the calls in flight and a raised PutEvents size limit, up to 1 MiB', () => {
    expect(relayTuningFromEnv({ RELAY_MAX_CONCURRENT_CALLS: '1', RELAY_PUT_EVENTS_MAX_BYTES: '1048576' })).toMatchObject({
      maxConcurrentCalls: 1,
      limits: { maxEntries: 10, maxBytes: 1_048_576 },
    });
  });

  it.each([
    ['RELAY_BACKOFF_BASE_MS', 'fast'],
    ['RELAY_BACKOFF_BASE_MS', '0'],
    ['RELAY_BACKOFF_CAP_MS', '-5'],
    ['RELAY_SAFETY_MARGIN_MS', '1.5'],
    ['RELAY_MAX_CONCURRENT_CALLS', '0'],
    ['RELAY_MAX_CONCURRENT_CALLS', '51'],
    ['RELAY_PUT_EVENTS_MAX_BYTES', '262143'],
    ['RELAY_PUT_EVENTS_MAX_BYTES', '1048577'],
  ])('fails fast naming %s when it is %s', (name, value) => {
    expect(() => relayTuningFromEnv({ [name]: value })).toThrow(MissingConfigurationError);
    expect(() => relayTuningFromEnv({ [name]: value })).toThrow(name);
  });

  it('refuses a cap below the base, naming both', () => {
    expect(() => relayTuningFromEnv({ RELAY_BACKOFF_BASE_MS: '500', RELAY_BACKOFF_CAP_MS: '100' })).toThrow(
      /RELAY_BACKOFF_CAP_MS.*RELAY_BACKOFF_BASE_MS/,
    );
  });
});

describe('outboxRelayDepsFromEnv', () => {
  it('passes the tuning to the algorithm and fails fast on an invalid variable', () => {
    const base = { EVENT_BUS_NAME: 'bus', OUTBOX_TABLE_NAME: 'table' };
    const saved = { ...process.env };
    try {
      Object.assign(process.env, base, { RELAY_BACKOFF_BASE_MS: '10', RELAY_BACKOFF_CAP_MS: '100', RELAY_SAFETY_MARGIN_MS: '250' });
      expect(outboxRelayDepsFromEnv().relay).toMatchObject({ backoff: { baseDelayMs: 10, maxDelayMs: 100 }, safetyMarginMs: 250 });
      process.env.RELAY_SAFETY_MARGIN_MS = 'soon';
      expect(() => outboxRelayDepsFromEnv()).toThrow(/RELAY_SAFETY_MARGIN_MS/);
    } finally {
      process.env = saved;
    }
  });
});
