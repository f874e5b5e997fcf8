import { describe, expect, it } from '@jest/globals';

import { cidrHasHostBits, motoDeviationsFor, MOTO_RULE_DEVIATIONS } from '../../../local/moto-rule-deviations';

const idsFor = (pattern: unknown) => motoDeviationsFor(pattern).map((deviation) => deviation.id);

describe('which EventBridge rule patterns moto may match otherwise than AWS', () => {
  it('finds nothing in patterns on source and detail-type, like the service\'s own rules', () => {
    expect(idsFor({ source: ['dualwrite.orders', 'dualwrite.payments'] })).toEqual([]);
    expect(idsFor(JSON.stringify({ source: ['dualwrite.payments'], 'detail-type': ['PaymentRequested'], detail: { type: [{ prefix: 'Pay' }] } }))).toEqual([]);
  });

  it('names the deviation a pattern runs into, wherever the condition sits', () => {
    expect(idsFor({ detail: { amount: [{ numeric: ['>', 100] }] } })).toEqual(['booleans-are-numbers']);
    expect(idsFor({ detail: { paid: [true] } })).toEqual(['booleans-are-numbers']);
    expect(idsFor({ $or: [{ detail: { note: [{ wildcard: 'a*' }] } }, { source: ['x'] }] })).toEqual(['wildcard-stops-at-newline']);
    expect(idsFor({ detail: { failedAt: [{ exists: false }] } })).toEqual(['empty-containers-are-values']);
    expect(idsFor({ detail: { ip: [{ cidr: '10.0.0.5/24' }] } })).toEqual(['booleans-are-numbers', 'cidr-host-bits-never-match', 'integers-are-addresses']);
    expect(idsFor({ detail: { ip: ['::1'] } })).toEqual(['ip-literals-compared-as-text']);
  });

  it('reads nothing into a pattern that is not JSON', () => {
    expect(idsFor('{not json')).toEqual([]);
  });

  it('tells a block with bits past its mask, as Python\'s strict ip_network does', () => {
    expect(['10.0.0.5/24', '2001:db8::1/32', '::ffff:1.2.3.4/96', '::1/127'].map(cidrHasHostBits)).toEqual([true, true, true, true]);
    expect(['10.0.0.0/24', '2001:db8::/32', '::/64', '::ffff:1.2.3.0/120'].map(cidrHasHostBits)).toEqual([false, false, false, false]);
  });

  it('describes each deviation with what moto does and the rule AWS follows', () => {
    for (const deviation of MOTO_RULE_DEVIATIONS) {
      expect(deviation.moto).not.toBe('');
      expect(deviation.reason).toMatch(/EventBridge guide|event-ruler/);
    }
  });
});
