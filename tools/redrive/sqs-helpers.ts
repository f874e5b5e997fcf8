import { GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';

/** `ApproximateNumberOfMessages` (visible messages) of a queue: the total of a progress bar. */
export async function approximateMessageCount(sqs: Pick<SQSClient, 'send'>, queueUrl: string): Promise<number | undefined> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  const count = Number(Attributes?.ApproximateNumberOfMessages);
  return Number.isFinite(count) ? count : undefined;
}

/** A queue's messages: `visible` (waiting to be received) and `inFlight` (received, not yet deleted or back). */
export async function queueDepth(sqs: Pick<SQSClient, 'send'>, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0), inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
}

export async function queueArnOf(sqs: Pick<SQSClient, 'send'>, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`queue ${queueUrl} has no QueueArn`);
  return arn;
}

/**
 * Receives batches (≤ 10) and hands each to `onBatch` until a receive comes back empty or `limit`
 * messages were received. Each message stays hidden for `visibilityTimeoutSeconds`, so one run
 * never sees the same message twice; what it leaves behind reappears after that (or sooner, when
 * the caller resets its visibility).
 */
export async function receiveUntilEmpty(
  sqs: Pick<SQSClient, 'send'>,
  queueUrl: string,
  options: { limit?: number; visibilityTimeoutSeconds: number; waitTimeSeconds: number; onBatch: (messages: Message[]) => Promise<void> },
): Promise<number> {
  let received = 0;
  for (;;) {
    const wanted = options.limit === undefined ? 10 : Math.min(10, options.limit - received);
    if (wanted <= 0) return received;
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: wanted,
        VisibilityTimeout: options.visibilityTimeoutSeconds,
        WaitTimeSeconds: options.waitTimeSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return received;
    received += Messages.length;
    await options.onBatch(Messages);
  }
}
