/**
 * Starts the local runtime of a chaos run in a child process (chaos/runtime-host.ts) against the
 * run's emulator, answers its fault-plan questions, and can SIGKILL it: the whole runtime (API,
 * pollers, Lambda workers) dies at once, as a crashed host would, and is started again.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import type { DeliveryContext, EventSourceFaults, FunctionCodeOverride } from '../local/faults';

export interface HostConfig {
  emulatorEndpoint: string;
  /** `AWS_ENDPOINT_URL` of the Lambda workers: the fault proxy. */
  awsEndpoint: string;
  outputsFile: string;
  outdir: string;
  functionCode?: readonly FunctionCodeOverride[];
  /** The visibility timeout the runtime's SQS pollers ask for on every receive (local/faults.ts). */
  sqsReceiveVisibilityTimeoutSeconds?: number;
}

export type HostToRun =
  | { type: 'ready'; outputs: Record<string, string>; outputsFile: string; stackName: string }
  | { type: 'failed'; message: string }
  | { type: 'plan'; id: number; kind: 'stream' | 'sqs'; context: DeliveryContext<unknown> };

export type RunToHost = { type: 'plan-answer'; id: number; plan: unknown } | { type: 'stop' };

export interface RuntimeProcess {
  outputs: Record<string, string>;
  outputsFile: string;
  stackName: string;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
  /** Stops the runtime in order (pollers, workers), then the process. */
  stop(): Promise<void>;
}

const HOST_FILE = path.join(__dirname, 'runtime-host.ts');
const STOP_GRACE_MS = 10_000;

export async function startRuntimeProcess(config: HostConfig, faults: Required<Pick<EventSourceFaults, 'planStreamDelivery' | 'planSqsDelivery'>>): Promise<RuntimeProcess> {
  const child: ChildProcess = fork(HOST_FILE, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, CHAOS_RUNTIME_HOST: JSON.stringify(config) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const answer = (message: RunToHost) => {
    if (child.connected) child.send(message, (error) => error && undefined);
  };
  const ready = new Promise<Extract<HostToRun, { type: 'ready' }>>((resolve, reject) => {
    child.on('message', (message: HostToRun) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'failed') reject(new Error(`the chaos run's local runtime did not start: ${message.message}`));
      else if (message.type === 'plan') {
        void (async () => {
          const plan =
            message.kind === 'stream'
              ? await faults.planStreamDelivery(message.context as DeliveryContext<DynamoDBRecord>)
              : await faults.planSqsDelivery(message.context as DeliveryContext<SQSRecord>);
          answer({ type: 'plan-answer', id: message.id, plan: plan ?? null });
        })();
      }
    });
    void exited.then(() => reject(new Error(`the chaos run's local runtime exited before it was ready: ${stderrTail.trim().split('\n').slice(-5).join(' | ')}`)));
  });
  let started: Extract<HostToRun, { type: 'ready' }>;
  try {
    started = await ready;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    outputs: started.outputs,
    outputsFile: started.outputsFile,
    stackName: started.stackName,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      answer({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
