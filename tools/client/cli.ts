/**
 * `npm run client -- <resource> <action> [args]`: one request to the stack's API, through the
 * project's one API client (`api-client.ts`: SigV4 for a deployed stack, plain for the local runtime).
 */
import path from 'node:path';

import { EXIT_DONE, EXIT_SOMETHING_LEFT, EXIT_USAGE, UsageError, errorMessage, processIo, type ToolIo } from '../lib/cli';
import { loadStackOutputs } from '../lib/outputs';
import { apiClient, type ApiClientOptions } from './api-client';
import { parseCommandLine } from './commands';

export interface ClientDependencies extends Pick<ApiClientOptions, 'credentials' | 'transport' | 'signingDate'> {
  io?: ToolIo;
  /** Relative `--outputs` paths resolve against it. @default process.cwd() */
  cwd?: string;
}

const USAGE_HINT = 'Run `npm run client -- --help` for usage.';

/** Runs one command line; resolves to the exit code (0 answered 2xx, 1 other status or no answer, 2 usage). */
export async function runClient(argv: readonly string[], deps: ClientDependencies = {}): Promise<number> {
  const io = deps.io ?? processIo;
  let call: ReturnType<typeof parseCommandLine>;
  let outputs: ReturnType<typeof loadStackOutputs>;
  try {
    call = parseCommandLine(argv);
    if (call.kind === 'help') {
      io.stdout.write(`${call.text}\n`);
      return EXIT_DONE;
    }
    outputs = loadStackOutputs(path.resolve(deps.cwd ?? process.cwd(), call.outputsFile), call.stackName);
    outputs.require('ApiUrl');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`error: ${error.message}\n${USAGE_HINT}\n`);
    return EXIT_USAGE;
  }

  const { request } = call;
  const client = apiClient(outputs.values, {
    ...(deps.credentials !== undefined ? { credentials: deps.credentials } : {}),
    ...(deps.transport !== undefined ? { transport: deps.transport } : {}),
    ...(deps.signingDate !== undefined ? { signingDate: deps.signingDate } : {}),
  });
  let response;
  try {
    response = await client.request(request.method, request.path, request.body, { headers: request.headers });
  } catch (error) {
    io.stderr.write(`error: ${request.method} ${outputs.values.ApiUrl} ${request.path}: ${errorMessage(error)}\n`);
    return EXIT_SOMETHING_LEFT;
  }
  const ok = response.status >= 200 && response.status < 300;
  if (response.body !== null) {
    io.stdout.write(`${typeof response.body === 'string' ? response.body : JSON.stringify(response.body, null, 2)}\n`);
  }
  if (!ok) {
    io.stderr.write(`HTTP ${response.status} from ${request.method} ${request.path}${response.body === null ? ' (no body)' : ''}\n`);
    return EXIT_SOMETHING_LEFT;
  }
  return EXIT_DONE;
}
