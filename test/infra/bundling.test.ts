/**
 * The real esbuild bundle of a dualwrite function (bundling on, unlike the other infra tests):
 * aws-xray-sdk-core's `semver` is replaced by the stand-in, and the bundle still loads.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { afterAll, describe, expect, test } from '@jest/globals';
import { OutboxRelay } from '../../lib/constructs/outbox-relay';
import { OutboxTable } from '../../lib/constructs/outbox-table';
import { logicalIdOf } from './support/templates';

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Synthesizes an OutboxRelay with esbuild bundling and returns its bundle's code and source-map sources. */
function bundleRelay(bundling?: { esbuildArgs: Record<string, string | boolean> }) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'dualwrite-bundling-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Bundled');
  const relay = new OutboxRelay(stack, 'Relay', {
    table: new OutboxTable(stack, 'Outbox').table,
    eventBus: new events.EventBus(stack, 'Bus'),
    ...(bundling ? { functionProps: { bundling } } : {}),
  });
  const assembly = app.synth();
  const template = assembly.getStackByName('Bundled').template as { Resources: Record<string, { Metadata?: Record<string, string> }> };
  const assetPath = template.Resources[logicalIdOf(relay.function)]!.Metadata!['aws:asset:path']!;
  const file = path.join(assembly.directory, assetPath, 'index.js');
  const sources = (JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] }).sources;
  return { file, sources };
}

describe('the bundle of a dualwrite function', () => {
  const { file, sources } = bundleRelay();

  test('has aws-xray-sdk-core, but the semver stand-in instead of the semver package', () => {
    expect(sources.some((source) => source.includes('node_modules/aws-xray-sdk-core/'))).toBe(true);
    expect(sources.filter((source) => source.includes('node_modules/semver/'))).toEqual([]);
    expect(sources.some((source) => source.endsWith('lambdas/dualwrite/bundling/semver-gte.ts'))).toBe(true);
  });

  test('loads in a fresh Node process, X-Ray SDK and all, and exports the handler', () => {
    const script = `const m = require(${JSON.stringify(file)}); process.stdout.write(typeof m.handler);`;
    const output = execFileSync(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', EVENT_BUS_NAME: 'bus', NODE_PATH: path.resolve('node_modules') },
      encoding: 'utf8',
    });
    expect(output).toBe('function');
  });

  test("keeps the stand-in when the user passes esbuild arguments of their own", () => {
    const user = bundleRelay({ esbuildArgs: { '--log-limit': '0' } });
    expect(user.sources.filter((source) => source.includes('node_modules/semver/'))).toEqual([]);
  });
});
