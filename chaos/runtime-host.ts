/**
 * The local runtime of a chaos run, in a process of its own so that the run can kill it with
 * SIGKILL and start it again against the same emulator (chaos/runtime-process.ts starts it). Its
 * event-source faults are decided by the run's fault plan, in the parent: every delivery asks over
 * the IPC channel and waits for the answer, so the plan and its counts survive a kill.
 */
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import type { DeliveryContext, SqsDeliveryPlan, StreamDeliveryPlan } from '../local/faults';
import { silentLog } from '../local/log';
import { startLocalRuntime, type LocalRuntime } from '../local/runtime';
import type { HostConfig, HostToRun, RunToHost } from './runtime-process';

const config = JSON.parse(process.env.CHAOS_RUNTIME_HOST ?? '{}') as HostConfig;
const send = (message: HostToRun) => process.send?.(message);

let nextRequest = 0;
const waiting = new Map<number, (plan: unknown) => void>();
function askPlan<T>(kind: 'stream' | 'sqs', context: DeliveryContext<unknown>): Promise<T | undefined> {
  const id = nextRequest++;
  return new Promise((resolve) => {
    waiting.set(id, resolve as (plan: unknown) => void);
    send({ type: 'plan', id, kind, context: { source: context.source, functionName: context.functionName, records: context.records } });
  });
}

let runtime: LocalRuntime | undefined;
process.on('message', (message: RunToHost) => {
  if (message.type === 'plan-answer') {
    waiting.get(message.id)?.(message.plan ?? undefined);
    waiting.delete(message.id);
  } else if (message.type === 'stop') {
    void (async () => {
      await runtime?.stop();
      process.exit(0);
    })();
  }
});
// The run that started this process is gone: nothing may outlive it.
process.on('disconnect', () => process.exit(1));

void (async () => {
  try {
    runtime = await startLocalRuntime({
      endpoint: config.emulatorEndpoint,
      port: 0,
      outputsFile: config.outputsFile,
      outdir: config.outdir,
      ttlSweepIntervalMs: 0,
      faults: {
        awsEndpoint: config.awsEndpoint,
        eventSources: {
          planStreamDelivery: (context: DeliveryContext<DynamoDBRecord>) => askPlan<StreamDeliveryPlan>('stream', context),
          planSqsDelivery: (context: DeliveryContext<SQSRecord>) => askPlan<SqsDeliveryPlan>('sqs', context),
          ...(config.sqsReceiveVisibilityTimeoutSeconds !== undefined ? { sqsReceiveVisibilityTimeoutSeconds: config.sqsReceiveVisibilityTimeoutSeconds } : {}),
        },
        ...(config.functionCode !== undefined ? { functionCode: config.functionCode } : {}),
      },
      log: silentLog,
    });
    send({ type: 'ready', outputs: runtime.outputs, outputsFile: runtime.outputsFile, stackName: runtime.stackName });
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
})();
