/**
 * `npm start`: the whole service on this machine (docs/design.md#local-runtime). Settings from the environment:
 * PORT (API, default 3000), INSPECTOR_PORT (the inspector page, default PORT + 1), EMULATOR_PORT
 * (default 4566), AWS_ENDPOINT_URL (use that emulator, start none), OUTPUTS_FILE (default .local/outputs.json), LOCAL_CDK_OUT (default .local/cdk.out),
 * LOCAL_TTL_SWEEP_INTERVAL_MS (TTL emulation, default 60000; 0: off), LOCAL_DEBUG=1 (more log lines).
 *
 * stdout gets exactly one line, once everything is up (ready-line.ts):
 *   dualwrite local runtime ready: API http://127.0.0.1:3000/ , inspector http://127.0.0.1:3001/ , emulator http://127.0.0.1:4566 , outputs .local/outputs.json (local API: no auth check, loopback only)
 * Everything else goes to stderr. Ctrl-C or SIGTERM stops it all and exits 0; a startup failure
 * prints one paragraph and exits 1.
 */
import path from 'node:path';
import { errorMessage } from './log';
import { readyLine } from './ready-line';
import { LocalRuntimeStartError, startLocalRuntime, type LocalRuntime } from './runtime';

// The Lambda runtime is Node 22; the SDK's warning about this process's Node version is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Lambda runs in UTC; the function workers share this process's time zone.
process.env.TZ ??= 'UTC';

/**
 * Starts a runtime with `start`, prints the ready line, and stops it on Ctrl-C or SIGTERM: the
 * process side of `npm start`, shared with `npx dualwrite-local` (exports/dualwrite-local.ts).
 */
export async function runUntilSignalled(start: () => Promise<LocalRuntime> = () => startLocalRuntime({ inspector: {} })): Promise<void> {
  let runtime: LocalRuntime | undefined;
  let stopRequested = false;
  let firstSignalAt: number | undefined;

  const shutdown = (signal: string) => {
    if (firstSignalAt !== undefined) {
      // A Ctrl-C reaches us twice (the terminal signals the whole process group, and tsx relays it):
      // only a second press, later, means "stop waiting".
      if (Date.now() - firstSignalAt < 1_000) return;
      process.stderr.write(`[local] ${signal} again: exiting without waiting for the clean stop\n`);
      process.exit(1);
    }
    firstSignalAt = Date.now();
    stopRequested = true;
    if (runtime === undefined) return; // still starting: main() stops it as soon as start returns
    process.stderr.write(`[local] ${signal}: stopping…\n`);
    runtime.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`[local] error while stopping: ${errorMessage(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    runtime = await start();
  } catch (error) {
    const message = error instanceof LocalRuntimeStartError ? error.message : `The local runtime could not start: ${errorMessage(error)}`;
    process.stderr.write(`\n[local] ${message}\n`);
    if (process.env.LOCAL_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exit(stopRequested ? 0 : 1);
  }
  if (stopRequested) {
    await runtime.stop();
    process.exit(0);
  }

  const outputs = path.relative(process.cwd(), runtime.outputsFile);
  const outputsFile = outputs.startsWith('..') ? runtime.outputsFile : outputs;
  process.stdout.write(`${readyLine({ apiUrl: runtime.apiUrl, ...(runtime.inspectorUrl !== undefined ? { inspectorUrl: runtime.inspectorUrl } : {}), endpoint: runtime.endpoint, outputsFile })}\n`);
}

if (require.main === module) void runUntilSignalled();
