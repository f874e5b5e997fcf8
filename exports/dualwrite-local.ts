#!/usr/bin/env node
/**
 * `npx dualwrite-local`: the local runtime (local/README.md) for the CDK app in the current folder.
 * It synthesizes the app with cdk.json's `app` command (or `--app`), creates the template's tables,
 * streams, queues, buses, rules and API in the emulator, runs the app's Node.js Lambdas, writes the
 * outputs file and prints the same ready line as `npm start` in this repository, with the same
 * variables (PORT, EMULATOR_PORT, AWS_ENDPOINT_URL, OUTPUTS_FILE, LOCAL_CDK_OUT,
 * LOCAL_TTL_SWEEP_INTERVAL_MS, LOCAL_DEBUG). A template holding something it cannot emulate (a
 * Python function, an unknown resource type) is refused with the resources named.
 */
import { parseArgs } from 'node:util';
import { appInvocation, CdkAppError, synthesizeCdkApp } from '../local/cdk-app';
import { startLocalRuntime } from '../local/runtime';
import { runUntilSignalled } from '../local/start';

const USAGE = `Usage: npx dualwrite-local [--app "<command>"] [--stack <name>]

Runs the CDK app of the current folder on this machine: AWS emulator (moto), the template's
resources, its Node.js Lambdas and its REST API on 127.0.0.1.

  --app <command>   the command that prints the app (default: the "app" of ./cdk.json)
  --stack <name>    the stack to run, when the app has several (stack name or construct path)
  -h, --help        this text

Environment: PORT (API, 3000), EMULATOR_PORT (4566), AWS_ENDPOINT_URL (use that emulator, start
none), OUTPUTS_FILE (.local/outputs.json), LOCAL_CDK_OUT (.local/cdk.out),
LOCAL_TTL_SWEEP_INTERVAL_MS (60000), LOCAL_DEBUG=1.
`;

function parseCommandLine(argv: string[]): { app?: string; stack?: string } {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { app: { type: 'string' }, stack: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    return { ...(values.app !== undefined ? { app: values.app } : {}), ...(values.stack !== undefined ? { stack: values.stack } : {}) };
  } catch (error) {
    process.stderr.write(`dualwrite-local: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
}

const args = parseCommandLine(process.argv.slice(2));
const projectRoot = process.cwd();
try {
  // Before anything starts: a folder with no app to run is told so, and nothing is started for it.
  appInvocation({ projectRoot, ...(args.app !== undefined ? { appCommand: args.app } : {}) });
} catch (error) {
  if (!(error instanceof CdkAppError)) throw error;
  process.stderr.write(`[local] ${error.message}\n`);
  process.exit(1);
}
void runUntilSignalled(() =>
  startLocalRuntime({
    projectRoot,
    inspector: {},
    ...(args.stack !== undefined ? { stackName: args.stack } : {}),
    synthesize: (outdir, stackName) =>
      synthesizeCdkApp({
        projectRoot,
        outdir,
        ...(args.app !== undefined ? { appCommand: args.app } : {}),
        ...(stackName !== undefined ? { stackName } : {}),
      }),
  }),
);
