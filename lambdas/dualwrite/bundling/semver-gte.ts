/**
 * Stands in for the `semver` package inside the Lambda bundles (esbuild alias, set in
 * lib/constructs/internal/lambda-function.ts), saving 28 KiB per function.
 *
 * Only aws-xray-sdk-core requires `semver` (a dependency of Powertools Tracer), and only in its
 * AWS SDK v2 patcher (`patchers/aws_p.js`), which calls `semver.gte(AWS.VERSION, minVersion)` when
 * `captureAWS` patches an SDK v2 client. This project uses SDK v3 and `captureAWSv3Client`, so
 * that call never happens; the module is still required when the X-Ray SDK loads. `gte` is kept
 * correct anyway (semver 2.0.0 precedence, the same answers as `semver.gte` for valid versions;
 * test/unit/bundling/semver-gte.test.ts compares the two) so that a future caller gets a true answer,
 * and any other semver function is absent: calling one fails loudly instead of answering wrongly.
 */
interface ParsedVersion {
  core: [number, number, number];
  prerelease: string[];
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

function parse(version: unknown): ParsedVersion {
  const match = typeof version === 'string' ? VERSION.exec(version.trim()) : null;
  if (match === null) throw new TypeError(`Invalid Version: ${String(version)}`);
  return {
    core: [Number(match[1]), Number(match[2]), Number(match[3])],
    prerelease: match[4] === undefined ? [] : match[4].split('.'),
  };
}

function compareIdentifiers(a: string, b: string): number {
  const aNumeric = /^\d+$/.test(a);
  const bNumeric = /^\d+$/.test(b);
  if (aNumeric && bNumeric) return Math.sign(Number(a) - Number(b));
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1; // numeric identifiers have lower precedence
  return a < b ? -1 : a > b ? 1 : 0;
}

/** semver precedence: -1, 0 or 1. */
export function compare(a: string, b: string): number {
  const left = parse(a);
  const right = parse(b);
  for (let index = 0; index < 3; index += 1) {
    const difference = Math.sign(left.core[index]! - right.core[index]!);
    if (difference !== 0) return difference;
  }
  // A version without a prerelease ranks above any prerelease of the same core.
  if (left.prerelease.length === 0 || right.prerelease.length === 0) {
    return Math.sign(right.prerelease.length - left.prerelease.length) as number;
  }
  for (let index = 0; index < Math.max(left.prerelease.length, right.prerelease.length); index += 1) {
    const a2 = left.prerelease[index];
    const b2 = right.prerelease[index];
    if (a2 === undefined) return -1;
    if (b2 === undefined) return 1;
    const difference = compareIdentifiers(a2, b2);
    if (difference !== 0) return difference;
  }
  return 0;
}

export function gte(a: string, b: string): boolean {
  return compare(a, b) >= 0;
}
