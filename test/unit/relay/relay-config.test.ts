import { describe, expect, it } from '@jest/globals';
import { MissingConfigurationError } from '../../../lambdas/dualwrite/config';
import { outboxRelayDepsFromEnv } from '../../../lambdas/dualwrite/relay/handler';
import { DEFAULT_BACKOFF } from '../../../lambdas/dualwrite/relay/backoff';
import { DEFAULT_SAFETY_MARGIN_MS } from '../../../lambdas/dualwrite/relay/relay-algorithm';
import { relayTuningFromEnv } from '../../../lambdas/dualwrite/relay/relay-config';

describe('relayTuningFromEnv', () => {
  it('keeps the algorithm defaults when nothing is set', () => {
    expect(relayTuningFromEnv({})).toEqual({ backoff: DEFAULT_BACKOFF, safetyMarginMs: DEFAULT_SAFETY_MARGIN_MS });
  });

  it('reads the backoff base, cap and safety margin', () => {
    expect(relayTuningFromEnv({ RELAY_BACKOFF_BASE_MS: '20', RELAY_BACKOFF_CAP_MS: '800', RELAY_SAFETY_MARGIN_MS: '0' })).toEqual({
      backoff: { baseDelayMs: 20, maxDelayMs: 800 },
      safetyMarginMs: 0,
    });
  });

  it.each([
    ['RELAY_BACKOFF_BASE_MS', 'fast'],
    ['RELAY_BACKOFF_BASE_MS', '0'],
    ['RELAY_BACKOFF_CAP_MS', '-5'],
    ['RELAY_SAFETY_MARGIN_MS', '1.5'],
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
      expect(outboxRelayDepsFromEnv().relay).toEqual({ backoff: { baseDelayMs: 10, maxDelayMs: 100 }, safetyMarginMs: 250 });
      process.env.RELAY_SAFETY_MARGIN_MS = 'soon';
      expect(() => outboxRelayDepsFromEnv()).toThrow(/RELAY_SAFETY_MARGIN_MS/);
    } finally {
      process.env = saved;
    }
  });
});
