import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { compare, gte } from '../../../lambdas/dualwrite/bundling/semver-gte';

// The semver the stand-in replaces: the one aws-xray-sdk-core itself resolves.
const xrayRequire = createRequire(require.resolve('aws-xray-sdk-core'));
const semver = xrayRequire('semver') as { gte(a: string, b: string): boolean; compare(a: string, b: string): number };

// semver 2.0.0 §11's example, in increasing precedence.
const SPEC_ORDER = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
const OTHERS = ['0.0.1', '1.0.1', '1.2.0', '1.10.0', '2.0.0', '2.7.15', '2.1692.0', '10.0.0', '2.0.0+build.5', '2.0.0-0', '2.0.0-x.7.z.92', 'v3.1.4'];

describe('the semver stand-in of the Lambda bundles', () => {
  it('orders semver 2.0.0 precedence as the specification lists it', () => {
    for (let i = 0; i < SPEC_ORDER.length; i += 1) {
      for (let j = 0; j < SPEC_ORDER.length; j += 1) {
        expect([SPEC_ORDER[i], SPEC_ORDER[j], compare(SPEC_ORDER[i]!, SPEC_ORDER[j]!)]).toEqual([SPEC_ORDER[i], SPEC_ORDER[j], Math.sign(i - j)]);
      }
    }
  });

  it('answers gte as the semver package that aws-xray-sdk-core would load, for every pair', () => {
    const versions = [...SPEC_ORDER, ...OTHERS];
    const differences = versions.flatMap((a) => versions.flatMap((b) => (gte(a, b) === semver.gte(a, b) ? [] : [`${a} >= ${b}`])));
    expect(differences).toEqual([]);
  });

  it('refuses what is not a version, as semver does, instead of answering', () => {
    for (const invalid of ['1.2', 'one.two.three', '', '1.2.3.4']) {
      expect(() => gte(invalid, '1.0.0')).toThrow(/Invalid Version/);
      expect(() => semver.gte(invalid, '1.0.0')).toThrow(/Invalid Version/);
    }
  });
});
