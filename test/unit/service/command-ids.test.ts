/**
 * `idsDerivedFromKey`: the ids of a command sent with an `Idempotency-Key` are a function of its
 * scope (`[target, key]`) and the id's position, ULID-shaped, and the same on every deploy.
 */
import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { decodeTime, isValid, ulidToUUID } from 'ulid';
import { idsDerivedFromKey } from '../../../lambdas/service/api/idempotent-commands';

const take = (next: () => string, count: number): string[] => Array.from({ length: count }, () => next());

describe('idsDerivedFromKey', () => {
  it('gives the same ids, in the same order, to every execution of one command', () => {
    expect(take(idsDerivedFromKey('POST /orders', 'key-1'), 3)).toEqual(take(idsDerivedFromKey('POST /orders', 'key-1'), 3));
  });

  it('gives each id of one execution its own value', () => {
    expect(new Set(take(idsDerivedFromKey('POST /orders', 'key-1'), 5)).size).toBe(5);
  });

  it.each([
    { why: 'another key', target: 'POST /orders/O-1/payments', key: 'key-2' },
    { why: 'another route', target: 'POST /orders', key: 'key-1' },
    { why: 'another order on the same route', target: 'POST /orders/O-2/payments', key: 'key-1' },
    { why: 'the same characters split differently between target and key', target: 'POST /orders/O-1/paymentsk', key: 'ey-1' },
  ])('changes with $why', ({ target, key }) => {
    expect(idsDerivedFromKey(target, key)()).not.toBe(idsDerivedFromKey('POST /orders/O-1/payments', 'key-1')());
  });

  it('is ULID-shaped: 26 Crockford base32 characters that ULID libraries accept', () => {
    for (const id of take(idsDerivedFromKey('POST /orders', 'a-key'), 50)) {
      expect(id).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
      expect(isValid(id)).toBe(true);
      expect(() => decodeTime(id)).not.toThrow();
    }
  });

  it('is the first 128 bits of SHA-256 over the versioned scope and position', () => {
    const [first, second] = take(idsDerivedFromKey('POST /orders', 'key-1'), 2);
    const bitsOf = (position: number) =>
      createHash('sha256').update(JSON.stringify(['dualwrite/command-id/v1', 'POST /orders', 'key-1', position])).digest('hex').slice(0, 32);

    expect(ulidToUUID(first!).replaceAll('-', '').toLowerCase()).toBe(bitsOf(0));
    expect(ulidToUUID(second!).replaceAll('-', '').toLowerCase()).toBe(bitsOf(1));
  });

  it('stays the same across deploys (a re-run after a deploy must meet the id the first run wrote)', () => {
    // Computed once with an independent implementation (Python hashlib, base32 by hand).
    expect(take(idsDerivedFromKey('POST /orders', 'key-1'), 2)).toEqual(['73RXDMY130WT1ZSYFDW8D2X42Z', '4XHMYVES9ZGSMG0Z9KVMW4G7RA']);
    expect(idsDerivedFromKey('POST /orders/01KABCDEFGHJKMNPQRSTVWXYZ0/payments', 'key-1')()).toBe('35B997AP46N6J8KEF4CQJENE9X');
  });
});
