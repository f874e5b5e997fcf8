/**
 * The worked example (examples/inventory-reservations/) as a new user gets it: this repository is
 * packed, the tarball is installed into a temporary copy of the example, `cdk synth` passes cdk-nag,
 * and `npx dualwrite-local` runs the app; a reservation made through its API then shows in the
 * projection its consumer keeps. It also checks that dualwrite-local refuses an app it cannot
 * emulate, naming the resources.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../../local/emulator';
import { READY_LINE_PREFIX } from '../../local/ready-line';
import { loadStackOutputs } from '../../tools/lib/outputs';
import { waitFor } from '../integration/support/wait';
import { apiClient, type ApiClient } from './support/api';
import { stopProcessGroup, waitForReadyLine } from './support/local-process';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLE = path.join(REPO_ROOT, 'examples', 'inventory-reservations');
const SETUP_TIMEOUT_MS = 900_000;
const READY_DEADLINE_MS = 300_000;

/** npm's own variables of the `npm test` around us must not steer the npm commands of the test. */
const childEnvironment = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_'))),
  ...extra,
});

async function run(command: string, args: string[], cwd: string, environment: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(command, args, { cwd, env: childEnvironment(environment), maxBuffer: 64 * 1024 * 1024 });
}

/** Runs a command that is expected to fail, and returns its exit code and output either way. */
function runExpectingFailure(command: string, args: string[], cwd: string, environment: Record<string, string> = {}) {
  return run(command, args, cwd, environment).then(
    (output) => ({ code: 0, ...output }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

interface RunningLocal {
  child: ChildProcess;
  readyLine: string;
  exited: Promise<number | null>;
}

/** Starts `npx dualwrite-local` in its own process group and resolves on its ready line. */
async function startDualwriteLocal(cwd: string, environment: Record<string, string>): Promise<RunningLocal> {
  const child = spawn('npx', ['dualwrite-local'], { cwd, env: childEnvironment(environment), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const readyLine = await waitForReadyLine(child, path.join(cwd, '..', 'dualwrite-local.log'), READY_DEADLINE_MS);
  return { child, readyLine, exited };
}

async function stop(local: RunningLocal | undefined): Promise<void> {
  if (local !== undefined) await stopProcessGroup(local.child, local.exited);
}

describe('examples/inventory-reservations, installed from the packed tarball', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'dualwrite-example-'));
  const app = path.join(work, 'inventory-reservations');
  let local: RunningLocal | undefined;
  let port = 0;
  let emulatorPort = 0;
  let inspectorPort = 0;
  let api: ApiClient;

  beforeAll(async () => {
    const packed = await run('npm', ['pack', '--pack-destination', work], REPO_ROOT);
    const tarball = path.join(work, packed.stdout.trim().split('\n').pop()!);
    cpSync(EXAMPLE, app, { recursive: true, filter: (source) => !/[\\/](node_modules|cdk\.out|\.local)$/.test(source) });
    const manifestFile = path.join(app, 'package.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { dependencies: Record<string, string> };
    manifest.dependencies.dualwrite = `file:${tarball}`;
    writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], app);

    await run('npx', ['cdk', 'synth', '--quiet'], app);

    port = await freePort();
    do emulatorPort = await freePort();
    while (emulatorPort === port);
    do inspectorPort = await freePort();
    while (inspectorPort === port || inspectorPort === emulatorPort);
    local = await startDualwriteLocal(app, { PORT: String(port), EMULATOR_PORT: String(emulatorPort), INSPECTOR_PORT: String(inspectorPort) });
    api = apiClient(loadStackOutputs(path.join(app, '.local', 'outputs.json')).values);
  }, SETUP_TIMEOUT_MS);

  // Removing the temporary install (aws-cdk-lib and all) takes a while on a busy machine.
  afterAll(async () => {
    await stop(local);
    rmSync(work, { recursive: true, force: true });
  }, 240_000);

  it('installs the package with its compiled entry points and no TypeScript sources', () => {
    const installed = path.join(app, 'node_modules', 'dualwrite', 'dist', 'exports');
    expect(['cdk.js', 'cdk.d.ts', 'runtime.js', 'runtime.d.ts', 'dualwrite-local.js'].every((file) => existsSync(path.join(installed, file)))).toBe(true);
    expect(existsSync(path.join(installed, 'cdk.ts'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', 'typescript'))).toBe(false);
  });

  it('synthesizes with no cdk-nag finding', () => {
    // `cdk synth` exited 0 in beforeAll; a clean run leaves the validation report empty.
    const report = JSON.parse(readFileSync(path.join(app, 'cdk.out', 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
    expect(readFileSync(path.join(app, 'bin', 'app.ts'), 'utf8')).toContain('Validations.of(app).addPlugins(new AwsSolutionsChecks(app));');
  });

  it('has cdk-nag fail a synth in this install when a finding is left open', async () => {
    writeFileSync(
      path.join(app, 'nag-probe.ts'),
      [
        "import { App, Stack, Validations } from 'aws-cdk-lib';",
        "import * as sqs from 'aws-cdk-lib/aws-sqs';",
        "import { AwsSolutionsChecks } from 'cdk-nag';",
        'const app = new App();',
        'Validations.of(app).addPlugins(new AwsSolutionsChecks(app));',
        "new sqs.Queue(new Stack(app, 'NagProbe'), 'QueueWithoutDeadLetterQueue');",
        'app.synth();',
      ].join('\n'),
    );
    const probe = await runExpectingFailure('npx', ['cdk', 'synth', '--quiet', '--app', 'npx tsx nag-probe.ts', '-o', '.local/nag-probe.out'], app);
    expect(probe.code).not.toBe(0);
    expect(`${probe.stdout}${probe.stderr}`).toContain('AwsSolutions-SQS3');
  }, 180_000);

  it('prints the ready line with its ports', () => {
    expect(local!.readyLine).toBe(
      `${READY_LINE_PREFIX}API http://127.0.0.1:${port}/ , inspector http://127.0.0.1:${inspectorPort}/ , emulator http://127.0.0.1:${emulatorPort} , outputs .local/outputs.json (local API: no auth check, loopback only)`,
    );
  });

  it('serves the inspector page from the installed package, its URL in the outputs file', async () => {
    const outputs = loadStackOutputs(path.join(app, '.local', 'outputs.json')).values;
    expect(outputs.InspectorUrl).toBe(`http://127.0.0.1:${inspectorPort}/`);
    const page = await fetch(outputs.InspectorUrl!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('inspector.js');
    expect((await fetch(new URL('inspector.js', outputs.InspectorUrl)).then((response) => response.status))).toBe(200);
  });

  it('projects a reservation into the stock of its SKU, and takes it out when it is released', async () => {
    const sku = `SKU-${Date.now()}`;
    const reserved = await api.request<{ reservationId: string; status: string }>('POST', '/reservations', { sku, quantity: 3 });
    expect(reserved.status).toBe(201);
    const stockOf = async () => (await api.request<{ reserved: number }>('GET', `/stock/${sku}`)).body.reserved;
    await waitFor(async () => expect(await stockOf()).toBe(3), { timeoutMs: 30_000, intervalMs: 200 });

    const released = await api.request('POST', `/reservations/${reserved.body.reservationId}/release`);
    expect(released.status).toBe(200);
    await waitFor(async () => expect(await stockOf()).toBe(0), { timeoutMs: 30_000, intervalMs: 200 });
  }, 90_000);

  it('refuses an app with a Python function and an unknown resource type, naming both, and writes no outputs', async () => {
    writeFileSync(
      path.join(app, 'not-emulated.ts'),
      [
        "import { App, CfnResource, Stack } from 'aws-cdk-lib';",
        "import * as lambda from 'aws-cdk-lib/aws-lambda';",
        'const app = new App();',
        "const stack = new Stack(app, 'NotEmulated');",
        "new lambda.Function(stack, 'PythonHandler', { runtime: lambda.Runtime.PYTHON_3_13, handler: 'index.handler', code: lambda.Code.fromInline('def handler(e, c): pass') });",
        "new CfnResource(stack, 'Topic', { type: 'AWS::SNS::Topic' });",
        'app.synth();',
      ].join('\n'),
    );
    const refusedPort = await freePort();
    const refused = await runExpectingFailure('npx', ['dualwrite-local', '--app', 'npx tsx not-emulated.ts'], app, {
      PORT: String(refusedPort),
      EMULATOR_PORT: '0',
      OUTPUTS_FILE: '.local/not-emulated-outputs.json',
      LOCAL_CDK_OUT: '.local/not-emulated.out',
    });
    expect(refused.code).toBe(1);
    expect(refused.stdout).not.toContain(READY_LINE_PREFIX);
    expect(refused.stderr).toMatch(/PythonHandler[0-9A-F]{8} \(AWS::Lambda::Function\): runtime python3\.13/);
    expect(refused.stderr).toMatch(/Topic \(AWS::SNS::Topic\): a resource type the local runtime does not emulate/);
    expect(existsSync(path.join(app, '.local', 'not-emulated-outputs.json'))).toBe(false);
  }, 180_000);
});
