/**
 * Global setup of the `e2e` project: the stack's outputs, from a real deployment or a local runtime.
 *
 * - `E2E_OUTPUTS_FILE=cdk-outputs.json` (written by `cdk deploy --outputs-file`): read it, start
 *   nothing. The file holds one stack; `E2E_STACK_NAME` picks one if it holds several.
 * - otherwise: start the local runtime (`npx tsx local/start.ts`) as a child process on free ports,
 *   wait for its ready line, and read the outputs file it writes; stop it on teardown.
 *
 * Tests read the outputs with `handedOverStackOutputs()` (see ../support/handoff.ts, support/steps.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { freePort } from '../../local/emulator';
import { loadStackOutputs } from '../../tools/lib/outputs';
import { handOverStackOutputs } from '../support/handoff';
import { afterTheRun } from '../support/teardown';
import { stopProcessGroup, waitForReadyLine } from './support/local-process';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const READY_DEADLINE_MS = 240_000;

export default async function setup(): Promise<void> {
  const outputsFile = process.env.E2E_OUTPUTS_FILE;
  if (outputsFile !== undefined && outputsFile !== '') {
    handOverStackOutputs(stackOutputs(path.resolve(outputsFile)));
    return;
  }

  const workDirectory = mkdtempSync(path.join(tmpdir(), 'dualwrite-e2e-'));
  const localOutputsFile = path.join(workDirectory, 'outputs.json');
  const logFile = path.join(workDirectory, 'local-runtime.log');
  const cloudAssembly = path.join(PROJECT_ROOT, '.local', `e2e-${path.basename(workDirectory)}`, 'cdk.out');
  const port = await freePort();
  let emulatorPort = await freePort();
  while (emulatorPort === port) emulatorPort = await freePort();
  // Own process group: teardown signals npx, tsx and the runtime together (as a Ctrl-C would).
  const child = spawn('npx', ['tsx', 'local/start.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      EMULATOR_PORT: String(emulatorPort),
      OUTPUTS_FILE: localOutputsFile,
      // Its own cloud assembly, so a concurrent `npm start` never synthesizes into the same directory;
      // inside the project, so the bundles' `@aws-sdk/*` imports resolve from its node_modules.
      LOCAL_CDK_OUT: cloudAssembly,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    await stopProcessGroup(child, exited);
    await rm(path.dirname(cloudAssembly), { recursive: true, force: true });
  };

  try {
    await waitForReadyLine(child, logFile, READY_DEADLINE_MS);
    handOverStackOutputs(stackOutputs(localOutputsFile));
  } catch (error) {
    await stop();
    throw error;
  }
  afterTheRun('e2e', stop);
}

/** The outputs of the stack the file holds (`E2E_STACK_NAME` picks one when it holds several), read as the operator tools read them. */
function stackOutputs(file: string): Record<string, string> {
  return { ...loadStackOutputs(file, process.env.E2E_STACK_NAME).values };
}
