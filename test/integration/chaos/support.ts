import path from 'node:path';
import { buildSync } from 'esbuild';
import type { FunctionCodeOverride } from '../../../local/faults';

const FIXTURES = path.join(__dirname, 'fixtures');

/**
 * A fixture handler bundled as the stack's functions are (CommonJS, the AWS SDK left to the
 * runtime), into the project so the bundle resolves `@aws-sdk/*` from its `node_modules`.
 */
export function fixtureCode(fixture: string, logicalIdPrefix: string, outdir: string): FunctionCodeOverride {
  const modulePath = path.resolve(outdir, `${fixture}.cjs`);
  buildSync({
    entryPoints: [path.join(FIXTURES, `${fixture}.ts`)],
    outfile: modulePath,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@aws-sdk/*'],
    logLevel: 'silent',
  });
  return { logicalIdPrefix, modulePath };
}
