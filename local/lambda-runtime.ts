/**
 * Runs a Lambda function in this process: a pool of worker threads, each one execution environment
 * with the function's own `process.env`, one invocation at a time, Lambda's timeout enforced by
 * terminating the worker (as Lambda discards a timed-out sandbox).
 *
 * The worker loads any module path, so tests can run fixture handlers the same way as the bundled
 * functions of the template.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Readable } from 'node:stream';
import type { InvocationError, ParentToWorker, WorkerData, WorkerToParent } from './lambda-protocol';
import { errorMessage, type RuntimeLog } from './log';

export type { InvocationError } from './lambda-protocol';

export interface LambdaFunctionOptions {
  /** `AWS_LAMBDA_FUNCTION_NAME`; also the prefix of the function's log lines. */
  functionName: string;
  functionArn: string;
  /** Absolute path of the module holding the handler (`.js`/`.cjs` required, `.mjs` imported). */
  modulePath: string;
  /** @default 'handler' */
  exportName?: string;
  /** @default 3 (Lambda's default) */
  timeoutSeconds?: number;
  /** @default 128 */
  memorySizeMb?: number;
  /** The function's environment variables (besides those the runtime adds). */
  environment?: Record<string, string>;
  /** Variables every function gets: the emulator endpoint, region, credentials… */
  runtimeEnvironment?: Record<string, string>;
  /** Execution environments running at once; callers beyond it wait. @default 4 */
  maxConcurrency?: number;
  log: RuntimeLog;
}

export type InvocationResult =
  | { requestId: string; ok: true; payload: unknown; durationMs: number }
  | { requestId: string; ok: false; error: InvocationError; timedOut: boolean; durationMs: number };

/** Lambda's own variables, plus what a function needs to talk to the emulator and stay quiet about X-Ray. */
export function lambdaEnvironment(options: {
  functionName: string;
  memorySizeMb: number;
  modulePath: string;
  handler: string;
  runtime?: string;
}): Record<string, string> {
  const runtime = options.runtime ?? 'nodejs22.x';
  return {
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memorySizeMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName(),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
    LAMBDA_TASK_ROOT: path.dirname(options.modulePath),
    _HANDLER: options.handler,
    // No X-Ray daemon locally: Powertools Tracer off, and the X-Ray SDK must not throw without a segment.
    POWERTOOLS_TRACE_ENABLED: 'false',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    // The Lambda runtime is Node 22; the SDK's warning about an older local Node is noise here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function logStreamName(): string {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[$LATEST]${randomUUID().replaceAll('-', '')}`;
}

/**
 * From this repository, Node can load the TypeScript worker only through tsx, also when the caller
 * runs under Jest. The installed package ships the compiled worker (and no tsx), loaded as is.
 */
const WORKER_SOURCE = path.join(__dirname, 'lambda-worker.ts');
const WORKER_BOOTSTRAP = (() => {
  if (!existsSync(WORKER_SOURCE)) return `require(${JSON.stringify(path.join(__dirname, 'lambda-worker.js'))});`;
  const tsxApi = createRequire(__filename).resolve('tsx/cjs/api');
  return `require(${JSON.stringify(tsxApi)}).require(${JSON.stringify(WORKER_SOURCE)}, ${JSON.stringify(WORKER_SOURCE)});`;
})();

class ExecutionEnvironment {
  readonly ready: Promise<void>;
  private pending?: { requestId: string; resolve: (message: WorkerToParent) => void };
  private exitError?: InvocationError;
  private exited = false;

  constructor(
    readonly worker: Worker,
    onExit: (environment: ExecutionEnvironment) => void,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: WorkerToParent) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'init-error') reject(message.error);
        else if (this.pending?.requestId === message.requestId) {
          const { resolve: settle } = this.pending;
          this.pending = undefined;
          settle(message);
        }
      });
      const fail = (error: InvocationError) => {
        this.exitError ??= error;
        reject(error);
        if (this.pending) {
          const { requestId, resolve: settle } = this.pending;
          this.pending = undefined;
          settle({ type: 'result', requestId, ok: false, error });
        }
      };
      worker.on('error', (error) =>
        fail({ errorType: 'Runtime.ExitError', errorMessage: `the execution environment crashed: ${error.message}`, trace: (error.stack ?? '').split('\n') }),
      );
      worker.on('exit', (code) => {
        this.exited = true;
        fail({ errorType: 'Runtime.ExitError', errorMessage: `the execution environment exited (code ${code})`, trace: [] });
        onExit(this);
      });
    });
    this.ready.catch(() => {}); // observed by acquire(); avoid an unhandled rejection for idle workers
  }

  get alive(): boolean {
    return !this.exited;
  }

  run(requestId: string, event: unknown, deadlineEpochMs: number): Promise<WorkerToParent> {
    if (!this.alive) {
      return Promise.resolve({ type: 'result', requestId, ok: false, error: this.exitError! });
    }
    return new Promise((resolve) => {
      this.pending = { requestId, resolve };
      const message: ParentToWorker = { type: 'invoke', requestId, event, deadlineEpochMs };
      this.worker.postMessage(message);
    });
  }

  terminate(): Promise<unknown> {
    return this.worker.terminate();
  }
}

export class LambdaFunction {
  readonly functionName: string;
  readonly functionArn: string;
  readonly timeoutSeconds: number;
  readonly maxConcurrency: number;
  private readonly options: LambdaFunctionOptions;
  private readonly environment: Record<string, string>;
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();
  private readonly waiting: Array<{ resolve: (environment: ExecutionEnvironment) => void; reject: (error: Error) => void }> = [];
  private stopped = false;

  constructor(options: LambdaFunctionOptions) {
    this.options = options;
    this.functionName = options.functionName;
    this.functionArn = options.functionArn;
    this.timeoutSeconds = options.timeoutSeconds ?? 3;
    this.maxConcurrency = Math.max(1, options.maxConcurrency ?? 4);
    const memorySizeMb = options.memorySizeMb ?? 128;
    this.environment = {
      ...lambdaEnvironment({
        functionName: options.functionName,
        memorySizeMb,
        modulePath: options.modulePath,
        handler: `${path.basename(options.modulePath).replace(/\.[cm]?js$/, '')}.${options.exportName ?? 'handler'}`,
      }),
      ...options.environment,
      ...options.runtimeEnvironment,
    };
    // A worker cannot take NODE_OPTIONS; its one option that matters here is applied by the worker itself.
    delete this.environment.NODE_OPTIONS;
  }

  /** Starts one execution environment ahead of the first invocation (a cold start at startup, not on the first request). */
  async warm(): Promise<void> {
    const environment = this.spawn();
    try {
      await environment.ready;
      this.release(environment);
    } catch (error) {
      this.discard(environment);
      throw new Error(`${this.functionName} failed to initialize: ${describeError(error)}`);
    }
  }

  /** Invokes the function like Lambda's synchronous Invoke; never rejects (failures are results). */
  async invoke(event: unknown): Promise<InvocationResult> {
    const requestId = randomUUID();
    const started = Date.now();
    const { log } = this.options;
    let environment: ExecutionEnvironment;
    try {
      environment = await this.acquire();
    } catch (error) {
      return this.failure(requestId, started, { errorType: 'Runtime.Stopped', errorMessage: errorMessage(error), trace: [] }, false);
    }
    try {
      await environment.ready;
    } catch (error) {
      this.discard(environment);
      const initError = asInvocationError(error);
      log.error(`${this.functionName} init failed: ${initError.errorType}: ${initError.errorMessage}`);
      return this.failure(requestId, started, initError, false);
    }

    const timeoutMs = this.timeoutSeconds * 1000;
    const invokeStarted = Date.now();
    log.debug(`${this.functionName} START RequestId: ${requestId}`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([environment.run(requestId, event, invokeStarted + timeoutMs), timedOut]);
    clearTimeout(timer);

    if (outcome === 'timeout') {
      this.discard(environment);
      const error = {
        errorType: 'Sandbox.Timedout',
        errorMessage: `Task timed out after ${this.timeoutSeconds.toFixed(2)} seconds`,
        trace: [],
      };
      log.error(`${this.functionName} ${requestId} ${error.errorMessage}`);
      return this.failure(requestId, started, error, true);
    }
    if (environment.alive) this.release(environment);
    else this.discard(environment);

    const durationMs = Date.now() - started;
    log.debug(`${this.functionName} END RequestId: ${requestId} Duration: ${durationMs} ms`);
    if (outcome.type === 'result' && outcome.ok) {
      return { requestId, ok: true, payload: JSON.parse(outcome.payload) as unknown, durationMs };
    }
    const error = outcome.type === 'result' && !outcome.ok ? outcome.error : asInvocationError(outcome);
    // Ended by stop(): not the function's fault, so no warning.
    if (!this.stopped) log.warn(`${this.functionName} ${requestId} failed: ${error.errorType}: ${error.errorMessage}`);
    return this.failure(requestId, started, error, false);
  }

  /** Terminates every execution environment; invocations in flight fail, waiting callers are refused. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error(`${this.functionName} is stopping`));
    const environments = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(environments.map((environment) => environment.terminate()));
  }

  private failure(requestId: string, started: number, error: InvocationError, timedOut: boolean): InvocationResult {
    return { requestId, ok: false, error, timedOut, durationMs: Date.now() - started };
  }

  private acquire(): Promise<ExecutionEnvironment> {
    if (this.stopped) return Promise.reject(new Error(`${this.functionName} is stopping`));
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.all.size < this.maxConcurrency) return Promise.resolve(this.spawn());
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(environment: ExecutionEnvironment): void {
    if (this.stopped || !this.all.has(environment)) return;
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve(environment);
    else this.idle.push(environment);
  }

  private discard(environment: ExecutionEnvironment): void {
    const index = this.idle.indexOf(environment);
    if (index >= 0) this.idle.splice(index, 1);
    if (!this.all.delete(environment)) return;
    void environment.terminate();
    const waiter = !this.stopped ? this.waiting.shift() : undefined;
    if (waiter) waiter.resolve(this.spawn());
  }

  private spawn(): ExecutionEnvironment {
    const data: WorkerData = {
      modulePath: this.options.modulePath,
      exportName: this.options.exportName ?? 'handler',
      functionName: this.functionName,
      functionArn: this.functionArn,
      memorySizeMb: this.options.memorySizeMb ?? 128,
      logGroupName: this.environment.AWS_LAMBDA_LOG_GROUP_NAME!,
      logStreamName: this.environment.AWS_LAMBDA_LOG_STREAM_NAME!,
      enableSourceMaps: /--enable-source-maps/.test(this.options.environment?.NODE_OPTIONS ?? ''),
    };
    const worker = new Worker(WORKER_BOOTSTRAP, {
      eval: true,
      env: this.environment,
      workerData: data,
      stdout: true,
      stderr: true,
      // Lambda's memory setting, as the worker's heap limit (the closest local equivalent).
      resourceLimits: { maxOldGenerationSizeMb: Math.max(this.options.memorySizeMb ?? 128, 256) },
    });
    worker.on('error', (error) => this.options.log.error(`${this.functionName}: the execution environment crashed: ${error.stack ?? error.message}`));
    this.forwardOutput(worker.stdout, 'stdout');
    this.forwardOutput(worker.stderr, 'stderr');
    const environment = new ExecutionEnvironment(worker, (exited) => {
      if (this.all.has(exited)) this.discard(exited);
    });
    this.all.add(environment);
    return environment;
  }

  private forwardOutput(stream: Readable, name: 'stdout' | 'stderr'): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.options.log.functionOutput(this.functionName, name, line);
    });
    stream.on('end', () => {
      if (partial !== '') this.options.log.functionOutput(this.functionName, name, partial);
    });
  }
}

function asInvocationError(error: unknown): InvocationError {
  if (error !== null && typeof error === 'object' && 'errorType' in error && 'errorMessage' in error) {
    return error as InvocationError;
  }
  return { errorType: 'Error', errorMessage: errorMessage(error), trace: [] };
}

function describeError(error: unknown): string {
  const invocationError = asInvocationError(error);
  return `${invocationError.errorType}: ${invocationError.errorMessage}`;
}
