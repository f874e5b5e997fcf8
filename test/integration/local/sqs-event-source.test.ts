import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from '@jest/globals';

import type { EventSourceFaults } from '../../../local/faults';
import { parseFilterCriteria } from '../../../local/filter-criteria';
import { silentLog } from '../../../local/log';
import { SqsEventSource, type SqsEventSourceSettings } from '../../../local/sqs-event-source';
import { queueArnOf } from '../../../tools/redrive/sqs-helpers';
import { receiveAll, sqsClient, uniqueName, waitFor } from '../support/aws';
import { fixtureFunction } from './support';

const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((stoppable) => stoppable.stop()));
});

async function createQueue(attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqsClient().send(new CreateQueueCommand({ QueueName: uniqueName('local-sqs'), Attributes: attributes }));
  return { url: QueueUrl!, arn: await queueArnOf(sqsClient(), QueueUrl!) };
}

async function messageCounts(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqsClient().send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes!.ApproximateNumberOfMessages), inFlight: Number(Attributes!.ApproximateNumberOfMessagesNotVisible) };
}

function start(
  queue: { url: string; arn: string },
  fixture: ReturnType<typeof fixtureFunction>,
  settings: Partial<SqsEventSourceSettings> = {},
  faults?: EventSourceFaults,
) {
  const source = new SqsEventSource({
    name: 'test',
    queueArn: queue.arn,
    queueUrl: queue.url,
    function: fixture.lambda,
    settings: { batchSize: 10, maximumBatchingWindowSeconds: 0, filters: [], reportBatchItemFailures: true, ...settings },
    sqs: sqsClient(),
    log: silentLog,
    pollIntervalMs: 50,
    ...(faults !== undefined ? { faults } : {}),
  });
  running.push(source, fixture.lambda);
  source.start();
  return source;
}

const bodies = (invocations: Array<{ records: SQSRecord[] }>) => invocations.map((invocation) => invocation.records.map((record) => record.body));

describe('SQS event source (emulated event source mapping)', () => {
  it('deletes the messages that succeeded and keeps those the function reports failed', async () => {
    const queue = await createQueue({ VisibilityTimeout: '1' });
    const fixture = fixtureFunction('sqs-handler.cjs');
    await sqsClient().send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: ['ok-1', 'fail-2', 'ok-3'].map((body, index) => ({
          Id: String(index),
          MessageBody: body,
          MessageAttributes: { kind: { DataType: 'String', StringValue: body.split('-')[0] } },
        })),
      }),
    );
    start(queue, fixture);

    // The failed message comes back after the visibility timeout, alone.
    await waitFor(() => expect(bodies(fixture.invocations()).slice(-1)).toEqual([['fail-2']]), { timeoutMs: 10_000 });
    const invocations = fixture.invocations<{ records: SQSRecord[] }>();
    expect(bodies(invocations)[0]).toEqual(['ok-1', 'fail-2', 'ok-3']);
    expect(bodies(invocations).flat().filter((body) => body.startsWith('ok'))).toEqual(['ok-1', 'ok-3']);

    const record = invocations[0]!.records[0]!;
    expect(record).toMatchObject({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: 'ok-1',
      md5OfBody: expect.any(String),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.any(String), SenderId: expect.any(String), ApproximateFirstReceiveTimestamp: expect.any(String) },
      messageAttributes: { kind: { stringValue: 'ok', stringListValues: [], binaryListValues: [], dataType: 'String' } },
    });
    const again = invocations.at(-1)!.records[0]!;
    expect(Number(again.attributes.ApproximateReceiveCount)).toBeGreaterThanOrEqual(2);
  });

  it('deletes nothing when the function throws, and the queue redrive policy moves the message to its DLQ', async () => {
    const dlq = await createQueue();
    const queue = await createQueue({ VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }) });
    const fixture = fixtureFunction('sqs-handler.cjs');
    await sqsClient().send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'please throw' }));
    start(queue, fixture);

    const moved = await receiveAll(dlq.url, { expected: 1, timeoutMs: 15_000 });
    expect(moved.map((message) => message.Body)).toEqual(['please throw']);
    expect(bodies(fixture.invocations())).toEqual([['please throw'], ['please throw']]);
    expect(await messageCounts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('deletes messages that match no filter without invoking the function', async () => {
    const queue = await createQueue();
    const fixture = fixtureFunction('sqs-handler.cjs');
    await sqsClient().send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify({ type: 'skip' }) }));
    await sqsClient().send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify({ type: 'take' }) }));
    start(queue, fixture, { filters: parseFilterCriteria({ Filters: [{ Pattern: JSON.stringify({ body: { type: ['take'] } }) }] }) });

    await waitFor(async () => expect(await messageCounts(queue.url)).toEqual({ visible: 0, inFlight: 0 }));
    expect(bodies(fixture.invocations())).toEqual([[JSON.stringify({ type: 'take' })]]);
  });

  it('never shows a refused message (fault seam) to the function and releases it at once, so the redrive policy parks it within seconds', async () => {
    const dlq = await createQueue();
    // A visibility timeout of 5 minutes: without the release, the second receive would be 5 minutes away.
    const queue = await createQueue({ VisibilityTimeout: '300', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 }) });
    const fixture = fixtureFunction('sqs-handler.cjs');
    await sqsClient().send(
      new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: [{ Id: 'refused', MessageBody: 'refuse me' }, { Id: 'taken', MessageBody: 'take me' }] }),
    );
    start(queue, fixture, {}, {
      planSqsDelivery: ({ records }) => ({ refuseMessageIds: records.filter((record) => record.body === 'refuse me').map((record) => record.messageId) }),
    });

    const parked = await receiveAll(dlq.url, { expected: 1, timeoutMs: 15_000 });
    expect(parked.map((message) => message.Body)).toEqual(['refuse me']);
    expect(bodies(fixture.invocations()).flat()).toEqual(['take me']);
    await waitFor(async () => expect(await messageCounts(queue.url)).toEqual({ visible: 0, inFlight: 0 }));
  });

  it("receives with the fault seam's visibility timeout instead of the queue's, and leaves the queue's attribute alone", async () => {
    // 5 minutes on the queue: without the seam, the thrown-on message would not come back within this test.
    const queue = await createQueue({ VisibilityTimeout: '300' });
    const fixture = fixtureFunction('sqs-handler.cjs');
    await sqsClient().send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'please throw' }));
    start(queue, fixture, {}, { sqsReceiveVisibilityTimeoutSeconds: 1 });

    await waitFor(() => expect(bodies(fixture.invocations()).length).toBeGreaterThanOrEqual(2), { timeoutMs: 10_000 });
    const [first, second] = fixture.invocations<{ records: SQSRecord[] }>().map((invocation) => invocation.records[0]!);
    expect([first!.body, second!.body]).toEqual(['please throw', 'please throw']);
    expect(Number(second!.attributes.ApproximateReceiveCount)).toBe(2);
    const { Attributes } = await sqsClient().send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['VisibilityTimeout'] }));
    expect(Attributes!.VisibilityTimeout).toBe('300');
  });

  it.each([-1, 1.5, 43_201])('refuses a receive visibility timeout of %p, naming the mapping and the range', (seconds) => {
    const fixture = fixtureFunction('sqs-handler.cjs');
    running.push(fixture.lambda);
    expect(() => start({ url: 'http://127.0.0.1:1/queue/none', arn: 'arn:aws:sqs:us-east-1:123456789012:none' }, fixture, {}, { sqsReceiveVisibilityTimeoutSeconds: seconds })).toThrow(
      `test: sqsReceiveVisibilityTimeoutSeconds must be an integer from 0 to 43200 (SQS's range), not ${seconds}`,
    );
  });
});
