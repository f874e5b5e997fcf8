/**
 * One Lambda execution environment, inside a worker thread: loads the function's bundled module
 * once (the "init" phase), then runs one invocation at a time with a Lambda `Context`.
 * Its `process.env` is the function's own (set by the parent through the Worker `env` option).
 *
 * Node builtins only: this file runs in a fresh worker, loaded through tsx (see lambda-runtime.ts).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { InvocationError, ParentToWorker, WorkerData, WorkerToParent } from './lambda-protocol';

type Handler = (event: unknown, context: Context, callback?: (error?: unknown, result?: unknown) => void) => unknown;

const data = workerData as WorkerData;
const port = parentPort!;
const post = (message: WorkerToParent) => port.postMessage(message);

if (data.enableSourceMaps) process.setSourceMapsEnabled(true);

async function loadHandler(): Promise<Handler> {
  const module: Record<string, unknown> = data.modulePath.endsWith('.mjs')
    ? ((await import(pathToFileURL(data.modulePath).href)) as Record<string, unknown>)
    : (createRequire(data.modulePath)(data.modulePath) as Record<string, unknown>);
  const handler = module[data.exportName] ?? (module.default as Record<string, unknown> | undefined)?.[data.exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${data.modulePath} does not export a function named ${data.exportName}`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return handler as Handler;
}

function toInvocationError(error: unknown): InvocationError {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: 'Error', errorMessage: typeof error === 'string' ? error : JSON.stringify(error) ?? String(error), trace: [] };
}

function runHandler(handler: Handler, event: unknown, context: Context): Promise<unknown> {
  if (handler.length < 3) return Promise.resolve().then(() => handler(event, context));
  return new Promise((resolve, reject) => {
    const callback = (error?: unknown, result?: unknown) => (error ? reject(error) : resolve(result));
    Promise.resolve()
      .then(() => handler(event, context, callback))
      .then((returned) => {
        if (returned !== undefined) resolve(returned);
      }, reject);
  });
}

async function main(): Promise<void> {
  // Let the bootstrap's tsx `require` return first, so the bundle loads with plain Node (no transform).
  await new Promise((resolve) => setImmediate(resolve));
  let handler: Handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const initError = toInvocationError(error);
    if (!(error instanceof Error) || !error.name.startsWith('Runtime.')) initError.errorType = `Runtime.ImportModuleError`;
    post({ type: 'init-error', error: initError });
    return;
  }
  post({ type: 'ready' });

  port.on('message', (message: ParentToWorker) => {
    if (message.type !== 'invoke') return;
    const deadline = message.deadlineEpochMs;
    const context: Context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: data.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: data.functionArn,
      memoryLimitInMB: String(data.memorySizeMb),
      awsRequestId: message.requestId,
      logGroupName: data.logGroupName,
      logStreamName: data.logStreamName,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => {},
      fail: () => {},
      succeed: () => {},
    };
    runHandler(handler, message.event, context).then(
      (result) => {
        // Lambda serializes the result as JSON: `undefined` becomes null, dates become strings.
        let payload: string;
        try {
          payload = JSON.stringify(result === undefined ? null : result);
        } catch (error) {
          post({ type: 'result', requestId: message.requestId, ok: false, error: toInvocationError(error) });
          return;
        }
        post({ type: 'result', requestId: message.requestId, ok: true, payload });
      },
      (error: unknown) => post({ type: 'result', requestId: message.requestId, ok: false, error: toInvocationError(error) }),
    );
  });
}

void main();
