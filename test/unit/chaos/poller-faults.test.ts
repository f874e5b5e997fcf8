import { describe, expect, it } from '@jest/globals';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { SqsDeliveryPlan } from '../../../local/faults';
import type { FunctionInvoker } from '../../../local/function-invoker';
import { SqsEventSource } from '../../../local/sqs-event-source';
import { waitFor } from '../../integration/support/wait';

const silent = { debug() {}, info() {}, warn() {}, error() {}, functionOutput() {} };

function harness(plan: SqsDeliveryPlan | undefined) {
  let received = false;
  let receives = 0;
  const deleted: string[] = [];
  const sqs = {
    send: async (command: unknown) => {
      if (command instanceof ReceiveMessageCommand) {
        receives += 1;
        if (received) return { Messages: [] };
        received = true;
        return {
          Messages: ['m1', 'm2', 'm3'].map((id) => ({ MessageId: id, ReceiptHandle: `rh-${id}`, Body: '{}', Attributes: {}, MD5OfBody: '' })),
        };
      }
      if (command instanceof DeleteMessageBatchCommand) {
        deleted.push(...(command.input.Entries ?? []).map((entry) => entry.ReceiptHandle!));
        return { Failed: [] };
      }
      return {};
    },
  } as unknown as SQSClient;
  const invocations: string[][] = [];
  const fn: FunctionInvoker = {
    functionName: 'consumer',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:consumer',
    invoke: async (event) => {
      invocations.push((event as SQSEvent).Records.map((record) => record.messageId));
      return { requestId: 'r', ok: true, payload: { batchItemFailures: [] }, durationMs: 1 };
    },
  };
  const source = new SqsEventSource({
    name: 'test',
    queueArn: 'arn:aws:sqs:us-east-1:123456789012:q',
    queueUrl: 'http://127.0.0.1/123456789012/q',
    function: fn,
    settings: { batchSize: 10, maximumBatchingWindowSeconds: 0, filters: [], reportBatchItemFailures: true },
    sqs,
    log: silent,
    pollIntervalMs: 5,
    faults: { planSqsDelivery: ({ records }) => (plan?.records === undefined ? plan : { ...plan, records: [...records].reverse() }) },
  });
  return { source, invocations, deleted, receives: () => receives };
}

async function run(plan: SqsDeliveryPlan | undefined) {
  const h = harness(plan);
  h.source.start();
  // The poller receives again (an empty queue) only once it has settled the batch.
  await waitFor(() => expect(h.receives()).toBeGreaterThanOrEqual(2), { timeoutMs: 1_000, intervalMs: 50 });
  await h.source.stop();
  return h;
}

describe('the SQS poller with a fault plan', () => {
  it('delivers once and deletes everything without one', async () => {
    const { invocations, deleted } = await run(undefined);
    expect(invocations).toEqual([['m1', 'm2', 'm3']]);
    expect(deleted.sort()).toEqual(['rh-m1', 'rh-m2', 'rh-m3']);
  });

  it('delivers the records in the order the plan gives', async () => {
    const { invocations } = await run({ records: [] });
    expect(invocations).toEqual([['m3', 'm2', 'm1']]);
  });

  it('delivers a duplicated batch twice', async () => {
    const { invocations } = await run({ duplicate: true });
    expect(invocations).toEqual([['m1', 'm2', 'm3'], ['m1', 'm2', 'm3']]);
  });

  it('deletes nothing after a crash before the acknowledgement', async () => {
    const { invocations, deleted } = await run({ crashBeforeAck: true });
    expect(invocations).toEqual([['m1', 'm2', 'm3']]);
    expect(deleted).toEqual([]);
  });

  it('keeps a refused (poison) message in the queue without giving it to the function, and settles the others', async () => {
    const { invocations, deleted } = await run({ refuseMessageIds: ['m2'] });
    expect(invocations).toEqual([['m1', 'm3']]);
    expect(deleted.sort()).toEqual(['rh-m1', 'rh-m3']);
  });

  it('does not invoke at all when every message is refused', async () => {
    const { invocations, deleted } = await run({ refuseMessageIds: ['m1', 'm2', 'm3'] });
    expect(invocations).toEqual([]);
    expect(deleted).toEqual([]);
  });
});
