/**
 * The real esbuild bundles of dualwrite functions (bundling on, unlike the other infra tests): the
 * relay's bundle loads, and the constructs leave a user's handler to be bundled as its own imports
 * say (no alias or stand-in swapped in for a package it uses).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { afterAll, describe, expect, test } from '@jest/globals';
import { IdempotentEventConsumer } from '../../lib/constructs/idempotent-event-consumer';
import { OutboxRelay } from '../../lib/constructs/outbox-relay';
import { OutboxTable } from '../../lib/constructs/outbox-table';
import { logicalIdOf } from './support/templates';

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const SEMVER_HANDLER = path.join(__dirname, 'fixtures', 'semver-handler.cjs');

interface Bundle {
  file: string;
  sources: string[];
}

/** Synthesizes with esbuild bundling on and returns the bundle of the function `build` returns, with its source-map sources. */
function bundleOf(build: (stack: Stack) => NodejsFunction): Bundle {
  const outdir = mkdtempSync(path.join(tmpdir(), 'dualwrite-bundling-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Bundled');
  const fn = build(stack);
  const assembly = app.synth();
  const template = assembly.getStackByName('Bundled').template as { Resources: Record<string, { Metadata?: Record<string, string> }> };
  const assetPath = template.Resources[logicalIdOf(fn)]!.Metadata!['aws:asset:path']!;
  const file = path.join(assembly.directory, assetPath, 'index.js');
  const sources = (JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] }).sources;
  return { file, sources };
}

/** Loads a bundle in a fresh Node process, calls its handler once and returns what it answered. */
function invokeInFreshProcess(file: string, environment: Record<string, string>): unknown {
  const script = `require(${JSON.stringify(file)}).handler({ Records: [] }, {}).then((r) => process.stdout.write(JSON.stringify(r ?? null)));`;
  const output = execFileSync(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', NODE_PATH: path.resolve('node_modules'), ...environment },
    encoding: 'utf8',
  });
  return JSON.parse(output) as unknown;
}

const usesRealSemver = (sources: string[]) => sources.some((source) => source.includes('node_modules/semver/'));

describe('the bundle of the relay', () => {
  const relay = bundleOf(
    (stack) =>
      new OutboxRelay(stack, 'Relay', { table: new OutboxTable(stack, 'Outbox').table, eventBus: new events.EventBus(stack, 'Bus') }).function,
  );

  test('has aws-xray-sdk-core with the semver package it depends on', () => {
    expect(relay.sources.some((source) => source.includes('node_modules/aws-xray-sdk-core/'))).toBe(true);
    expect(usesRealSemver(relay.sources)).toBe(true);
  });

  test('loads in a fresh Node process, X-Ray SDK and all, and exports the handler', () => {
    const script = `const m = require(${JSON.stringify(relay.file)}); process.stdout.write(typeof m.handler);`;
    const output = execFileSync(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', EVENT_BUS_NAME: 'bus', NODE_PATH: path.resolve('node_modules') },
      encoding: 'utf8',
    });
    expect(output).toBe('function');
  });
});

describe("a user's handler bundled by IdempotentEventConsumer", () => {
  const consumerOf = (bundling?: { esbuildArgs: Record<string, string | boolean> }) =>
    bundleOf(
      (stack) =>
        new IdempotentEventConsumer(stack, 'Consumer', {
          eventBus: new events.EventBus(stack, 'Bus'),
          eventPattern: { source: ['test'] },
          entry: SEMVER_HANDLER,
          ...(bundling ? { functionProps: { bundling } } : {}),
        }).function,
    );

  test('gets the real semver package, and the functions the stand-in lacked work', () => {
    const consumer = consumerOf();
    expect(usesRealSemver(consumer.sources)).toBe(true);
    expect(invokeInFreshProcess(consumer.file, { IDEMPOTENCY_TABLE_NAME: 'idempotency' })).toEqual({
      batchItemFailures: [],
      satisfies: true,
      coerced: '2.0.0',
    });
  });

  test("is bundled with the user's own esbuild arguments, and still with the real semver", () => {
    const consumer = consumerOf({ esbuildArgs: { '--banner:js': '/* bundled by the user */' } });
    expect(readFileSync(consumer.file, 'utf8').startsWith('/* bundled by the user */')).toBe(true);
    expect(usesRealSemver(consumer.sources)).toBe(true);
  });
});
