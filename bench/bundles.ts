/**
 * Bundles: synthesizes the app with esbuild bundling on (as `cdk synth` does), then for every
 * `AWS::Lambda::Function` reads its asset's `index.js` size and measures its cold init: a fresh
 * `node` process `require`s the bundle with the function's environment (intrinsics replaced by dummy
 * values) and reports how long the require took; the median of several runs is kept. Where the
 * bytes come from is read from the bundle's source map.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { synthesizeStack } from '../local/synth';
import { PROJECT_ROOT, type CfnTemplate } from '../local/template';
import type { BundleResult } from './lib/results';
import { bytesByPackage, type SourceMapLike } from './lib/source-map-sizes';
import { median } from './lib/stats';

const run = promisify(execFile);

export interface BundleBenchOptions {
  /** Cloud assembly directory (a temporary one). */
  outdir: string;
  coldInitRuns?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface BundleBenchResult {
  bundles: Record<string, BundleResult>;
  template: CfnTemplate;
  stackName: string;
}

const REQUIRE_TIMER = [
  "const started = performance.now();",
  "require(process.env.BENCH_BUNDLE);",
  "process.stdout.write(JSON.stringify({ ms: performance.now() - started }));",
].join('\n');

/** The function's own variables, with every intrinsic (a Ref to a table, say) replaced by a dummy string. */
function functionEnvironment(resource: { Properties?: Record<string, unknown> }): Record<string, string> {
  const variables = ((resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : `bench-dummy-${name.toLowerCase()}`]));
}

/** `ApiFunctionCE271BD4` → `ApiFunction` (the CDK hash suffix dropped). */
export function functionLabel(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}

export async function runBundleBench(options: BundleBenchOptions): Promise<BundleBenchResult> {
  const runs = options.coldInitRuns ?? 10;
  const stack = synthesizeStack({ outdir: options.outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const functions = Object.entries(stack.template.Resources ?? {}).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');
  const bundles: Record<string, BundleResult> = {};
  let done = 0;
  for (const [logicalId, resource] of functions) {
    const assetPath = (resource.Metadata as Record<string, unknown> | undefined)?.['aws:asset:path'];
    if (typeof assetPath !== 'string') throw new Error(`${logicalId} has no aws:asset:path metadata`);
    const file = path.join(stack.assemblyDirectory, assetPath, 'index.js');
    if (!existsSync(file)) throw new Error(`${logicalId}: no bundle at ${file} (was bundling skipped?)`);
    const env = {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_LAMBDA_FUNCTION_NAME: functionLabel(logicalId),
      ...functionEnvironment(resource as { Properties?: Record<string, unknown> }),
      // `@aws-sdk/*` is left out of the bundles for the Lambda runtime to provide; here the
      // project's own copy plays that part, as /var/runtime/node_modules does on Lambda.
      NODE_PATH: path.join(PROJECT_ROOT, 'node_modules'),
      BENCH_BUNDLE: file,
      NODE_NO_WARNINGS: '1',
    };
    const samples: number[] = [];
    // One discarded run first, so every bundle is measured alike: the first spawn would also pay for a cold disk cache.
    for (let i = -1; i < runs; i++) {
      const { stdout } = await run(process.execPath, ['-e', REQUIRE_TIMER], { env, cwd: path.dirname(file) });
      if (i >= 0) samples.push((JSON.parse(stdout) as { ms: number }).ms);
    }
    const mapFile = `${file}.map`;
    const largestInputs = existsSync(mapFile)
      ? bytesByPackage(readFileSync(file, 'utf8'), JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapLike).slice(0, 8)
      : [];
    bundles[functionLabel(logicalId)] = { bytes: statSync(file).size, coldInitMs: median(samples), coldInitSamplesMs: samples, largestInputs };
    options.onProgress?.((done += 1), functions.length);
  }
  return { bundles, template: stack.template, stackName: stack.stackName };
}

if (require.main === module) {
  const outdir = path.join(require('node:os').tmpdir(), `dualwrite-bench-bundles-${process.pid}`);
  runBundleBench({ outdir })
    // esbuild prints its own lines on stdout while synthesizing; the figures go to stderr.
    .then(({ bundles }) => console.error(JSON.stringify(bundles, null, 2)))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.stack : error);
      process.exit(1);
    })
    .finally(() => require('node:fs').rmSync(outdir, { recursive: true, force: true }));
}
