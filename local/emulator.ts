/**
 * The local AWS emulator (docs/design.md#local-runtime): moto in a project venv, started through
 * `local/emulator/moto_launcher.py`, which serves one request at a time and replaces the table copy
 * of moto's TransactWriteItems with an undo log.
 *
 * Used by `npm start`, the integration tests' global setup and `bench/`. Anything talking to the
 * emulator must not long-poll: the server handles one request at a time, so an SQS ReceiveMessage
 * with `WaitTimeSeconds > 0` (or on a queue whose `ReceiveMessageWaitTimeSeconds` is set) stalls
 * every other client for that long. Pass `WaitTimeSeconds: 0` and poll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from './template';

export const LOCAL_AWS_REGION = 'us-east-1';

const LAUNCHER = path.join('local', 'emulator', 'moto_launcher.py');
const REQUIREMENTS = 'requirements-dev.txt';
const STARTUP_DEADLINE_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const VENV_LOCK_DEADLINE_MS = 10 * 60_000;
const OUTPUT_TAIL_CHARS = 4_000;

export interface EmulatorOptions {
  /** @default 0: a free port chosen by the launcher when it binds (no race with other processes) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default the repository this file belongs to */
  projectRoot?: string;
  /** `false` runs stock moto TransactWriteItems (a full table copy per transaction), for comparison. @default true */
  undoLog?: boolean;
  /**
   * Have the launcher write wall time per AWS action to this file (every 5 s and on exit).
   * @default $DUALWRITE_EMULATOR_PROFILE, which the launcher reads itself; unset: no profile
   */
  profileFile?: string;
}

export interface RunningEmulator {
  /** e.g. `http://127.0.0.1:4566` */
  endpoint: string;
  port: number;
  /** Stops the emulator (SIGTERM, then SIGKILL after a grace period); resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Environment variables that point the AWS SDK and CLI at the emulator. */
export function localAwsEnvironment(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: LOCAL_AWS_REGION,
    AWS_DEFAULT_REGION: LOCAL_AWS_REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
}

/** A TCP port that was free a moment ago (another process may take it before you bind it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error(`could not find a free port on ${host}`))));
    });
  });
}

export class EmulatorStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmulatorStartError';
  }
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const projectRoot = path.resolve(options.projectRoot ?? PROJECT_ROOT);
  const python = await ensureEmulatorVenv(projectRoot);
  const args = [LAUNCHER, '--host', host, '--port', String(options.port ?? 0), '--exit-on-stdin-eof'];
  if (options.undoLog === false) args.push('--no-undo-log');
  if (options.profileFile !== undefined) args.push('--profile', path.resolve(options.profileFile));

  // Own process group, so a Ctrl-C in the terminal reaches only us and we stop the emulator in
  // order. The launcher still dies with us: it exits when the stdin pipe we hold closes.
  const child = spawn(python, args, { cwd: projectRoot, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let outputTail = '';
  const keepTail = (chunk: Buffer) => {
    outputTail = (outputTail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on('data', keepTail);
  child.stderr.on('data', keepTail);
  child.stdin.on('error', () => {}); // EPIPE if the launcher dies first; reported through 'exit'
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.on('error', () => child.pid === undefined && resolve()); // never started: there is no 'exit'
  });

  const failure = (reason: string, cause?: unknown) =>
    new EmulatorStartError(
      `AWS emulator (${python} ${args.join(' ')}) ${reason}.\n--- launcher output (tail) ---\n${outputTail.trim()}`,
      { cause },
    );

  try {
    const endpoint = await waitUntilReady(child, () => outputTail, failure);
    let stopping: Promise<void> | undefined;
    return {
      endpoint,
      port: Number(new URL(endpoint).port),
      stop: () => (stopping ??= stopChild(child, exited)),
    };
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  }
}

async function waitUntilReady(
  child: ChildProcess,
  output: () => string,
  failure: (reason: string, cause?: unknown) => Error,
): Promise<string> {
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  let exitReason: string | undefined;
  child.once('exit', (code, signal) => (exitReason = `exited (code ${code}, signal ${signal}) before it was ready`));
  child.once('error', (error) => (exitReason = `could not be started: ${error.message}`));

  let endpoint: string | undefined;
  let lastProbeError: unknown;
  while (Date.now() < deadline) {
    if (exitReason !== undefined) throw failure(exitReason);
    endpoint ??= /moto ready on (http:\/\/\S+)/.exec(output())?.[1];
    if (endpoint !== undefined) {
      try {
        await httpGet(`${endpoint}/moto-api/`);
        return endpoint;
      } catch (error) {
        lastProbeError = error;
      }
    }
    await sleep(50);
  }
  throw failure(`did not answer HTTP requests within ${STARTUP_DEADLINE_MS / 1000} s`, lastProbeError);
}

/** Resolves on any HTTP answer: it proves the server accepts and serves requests. (Not fetch: it refuses some ports.) */
function httpGet(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = get(url, { timeout: 2_000 }, (response) => {
      response.resume();
      response.once('end', resolve);
      response.once('error', reject);
    });
    request.once('timeout', () => request.destroy(new Error(`no answer from ${url} within 2 s`)));
    request.once('error', reject);
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.stdin?.end();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// The venv: `python3 -m venv --system-site-packages .venv` + `pip install -r requirements-dev.txt`.

const venvsInProgress = new Map<string, Promise<string>>();

/**
 * Makes sure `<projectRoot>/.venv` has the moto pinned in `requirements-dev.txt`, creating or
 * updating it if needed, and returns the path of its python. Safe to call concurrently: in one
 * process callers share one promise; across processes a lock directory serializes the install.
 */
export function ensureEmulatorVenv(projectRoot: string = PROJECT_ROOT): Promise<string> {
  const root = path.resolve(projectRoot);
  let inProgress = venvsInProgress.get(root);
  if (inProgress === undefined) {
    inProgress = ensureVenvOnce(root).finally(() => venvsInProgress.delete(root));
    venvsInProgress.set(root, inProgress);
  }
  return inProgress;
}

async function ensureVenvOnce(root: string): Promise<string> {
  const venvDir = path.join(root, '.venv');
  const python =
    process.platform === 'win32' ? path.join(venvDir, 'Scripts', 'python.exe') : path.join(venvDir, 'bin', 'python');
  const requirements = path.join(root, REQUIREMENTS);
  const pinnedMoto = /^moto(?:\[[^\]]*\])?==(\S+)/m.exec(await readFile(requirements, 'utf8'))?.[1];
  const ready = async () => {
    const installed = await installedMotoVersion(python);
    return installed !== undefined && (pinnedMoto === undefined || installed === pinnedMoto);
  };
  if (await ready()) return python;

  return withLockDirectory(venvLockPath(root), async () => {
    if (await ready()) return python; // another process finished it while we waited
    const systemPython = await findSystemPython();
    if (!existsSync(python)) {
      console.error(`[emulator] creating ${venvDir} (python3 -m venv --system-site-packages)`);
      await runVisibly(systemPython, ['-m', 'venv', '--system-site-packages', venvDir], root).catch((error: unknown) => {
        throw new Error(
          `Could not create the Python venv ${venvDir}. Install the venv module (Debian/Ubuntu: apt-get install python3-venv), ` +
            `or remove a broken ${venvDir} and try again.`,
          { cause: error },
        );
      });
    }
    console.error(`[emulator] installing ${REQUIREMENTS} into ${venvDir}`);
    await runVisibly(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', requirements], root).catch(
      (error: unknown) => {
        throw new Error(`pip install -r ${REQUIREMENTS} failed in ${venvDir} (see its output above; a broken venv can be removed)`, {
          cause: error,
        });
      },
    );
    if (!(await ready())) {
      throw new Error(`${venvDir} still lacks moto ${pinnedMoto ?? ''} after pip install -r ${REQUIREMENTS}`);
    }
    return python;
  });
}

/** moto's version in that python, or undefined if it (or moto's server extras) cannot be imported. */
async function installedMotoVersion(python: string): Promise<string | undefined> {
  if (!existsSync(python)) return undefined;
  const result = await capture(python, ['-c', 'import moto, moto.server; print(moto.__version__)']);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

async function findSystemPython(): Promise<string> {
  const candidates = process.platform === 'win32' ? ['python', 'py'] : ['python3'];
  for (const candidate of candidates) {
    const result = await capture(candidate, ['-c', 'import sys, venv; print(sys.version_info >= (3, 9))']);
    if (result.code === 0 && result.stdout.trim() === 'True') return candidate;
  }
  throw new Error(
    'The local AWS emulator (moto) needs Python 3.11+ with the venv module, and no python3 was found on PATH ' +
      '(or it is older than 3.9). Install it, e.g. `apt-get install python3 python3-venv` (Debian/Ubuntu), ' +
      '`brew install python@3.11` (macOS) or from python.org, then run this again. ' +
      'Alternatively set AWS_ENDPOINT_URL to an emulator you run yourself.',
  );
}

function capture(command: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.once('error', () => resolve({ code: null, stdout: '' })); // ENOENT: not installed
    child.once('close', (code) => resolve({ code, stdout }));
  });
}

/** Runs a command with its output on our stderr, so the user sees pip's progress without polluting stdout. */
function runVisibly(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 2, 2] });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with code ${code}`)),
    );
  });
}

function venvLockPath(root: string): string {
  const id = createHash('sha256').update(root).digest('hex').slice(0, 16);
  return path.join(tmpdir(), `dualwrite-venv-${id}.lock`);
}

/** `mkdir` is atomic: whoever creates the directory holds the lock. A lock whose owner died is taken over. */
async function withLockDirectory<T>(lock: string, work: () => Promise<T>): Promise<T> {
  const owner = path.join(lock, 'pid');
  const deadline = Date.now() + VENV_LOCK_DEADLINE_MS;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(owner, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await lockIsStale(lock, owner)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (remove it if no install is running)`);
      await sleep(200);
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function lockIsStale(lock: string, owner: string): Promise<boolean> {
  const pid = Number(await readFile(owner, 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0) {
    // The owner may be between mkdir and writeFile; only an old, ownerless lock is stale.
    const created = await stat(lock).then((s) => s.mtimeMs, () => 0);
    return Date.now() - created > 60_000;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
