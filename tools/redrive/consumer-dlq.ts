/**
 * `--consumer-dlq timeline|payments|all`: messages a consumer gave up on go back to its queue.
 * With SQS's own redrive (`StartMessageMoveTask`) where the endpoint has it; otherwise (the
 * emulator, or `--limit`, which a move task cannot honour) receive → send → delete, a message
 * being deleted from the DLQ only after its copy was accepted by the source queue.
 */
import {
  DeleteMessageBatchCommand,
  ListMessageMoveTasksCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OutputKey } from '../lib/outputs';
import { approximateMessageCount, queueArnOf, receiveUntilEmpty } from './sqs-helpers';
import { note, progressBar, type ModeResult, type RedriveContext } from './context';

export const CONSUMER_NAMES = ['timeline', 'payments'] as const;
export type ConsumerName = (typeof CONSUMER_NAMES)[number];

/** The outputs that name each consumer's queue and DLQ (the inspector finds its redrive buttons by them). */
export const QUEUE_KEYS: Record<ConsumerName, { queue: OutputKey; dlq: OutputKey }> = {
  timeline: { queue: 'TimelineQueueUrl', dlq: 'TimelineDeadLetterQueueUrl' },
  payments: { queue: 'PaymentsQueueUrl', dlq: 'PaymentsDeadLetterQueueUrl' },
};

/** Error names that say "this endpoint has no StartMessageMoveTask" rather than "it failed". */
const UNSUPPORTED_ERROR_NAMES = new Set(['UnsupportedOperation', 'InvalidAction', 'NotImplemented', 'UnknownOperationException', 'AWS.SimpleQueueService.UnsupportedOperation']);

export function isMoveTaskUnsupported(error: unknown, emulator: boolean): boolean {
  const candidate = error as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  if (typeof candidate !== 'object' || candidate === null) return false;
  if (typeof candidate.name === 'string' && UNSUPPORTED_ERROR_NAMES.has(candidate.name)) return true;
  if (typeof candidate.message === 'string' && /not (been )?implemented|not supported/i.test(candidate.message)) return true;
  const status = candidate.$metadata?.httpStatusCode;
  // moto answers an action it lacks with a 500 (NotImplementedError); AWS never lacks it.
  return status === 501 || (emulator && typeof status === 'number' && status >= 500);
}

interface MoveOutcome {
  moved: number;
  left: number;
  how: string;
}

const MOVE_TASK_POLL_MS = 1_000;
const TERMINAL_TASK_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

async function moveWithTask(context: RedriveContext, dlqArn: string, queueArn: string, label: string): Promise<MoveOutcome> {
  const { TaskHandle } = await context.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: queueArn }));
  const bar = progressBar(context, label);
  for (;;) {
    const { Results = [] } = await context.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }));
    const task = Results.find((result) => result.TaskHandle === TaskHandle) ?? Results[0];
    const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
    bar.update(moved, task?.ApproximateNumberOfMessagesToMove);
    if (task?.Status !== undefined && TERMINAL_TASK_STATES.has(task.Status)) {
      bar.finish();
      const toMove = task.ApproximateNumberOfMessagesToMove ?? moved;
      if (task.Status !== 'COMPLETED') note(context, `${label}: move task ${task.Status}${task.FailureReason ? `: ${task.FailureReason}` : ''}`);
      return { moved, left: task.Status === 'COMPLETED' ? 0 : Math.max(1, toMove - moved), how: 'StartMessageMoveTask' };
    }
    await sleep(MOVE_TASK_POLL_MS);
  }
}

function copyAttributes(message: Message): Record<string, MessageAttributeValue> | undefined {
  if (message.MessageAttributes === undefined) return undefined;
  const copied: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes)) {
    copied[name] = { DataType: value.DataType, StringValue: value.StringValue, BinaryValue: value.BinaryValue };
  }
  return Object.keys(copied).length === 0 ? undefined : copied;
}

async function moveByHand(context: RedriveContext, dlqUrl: string, queueUrl: string, label: string): Promise<MoveOutcome> {
  const bar = progressBar(context, label, await approximateMessageCount(context.sqs, dlqUrl));
  let moved = 0;
  let left = 0;
  await receiveUntilEmpty(context.sqs, dlqUrl, {
    limit: context.limit,
    visibilityTimeoutSeconds: 120,
    waitTimeSeconds: context.receiveWaitSeconds,
    onBatch: async (messages) => {
      const sent = await context.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((message, index) => ({
            Id: String(index),
            MessageBody: message.Body ?? '',
            MessageAttributes: copyAttributes(message),
          })),
        }),
      );
      for (const failure of sent.Failed ?? []) {
        left++;
        note(context, `${label}: could not send message ${messages[Number(failure.Id)]?.MessageId} back (${failure.Code}: ${failure.Message}); it stays in the DLQ`);
      }
      const accepted = (sent.Successful ?? []).map((entry) => messages[Number(entry.Id)]).filter((m): m is Message => m !== undefined);
      if (accepted.length > 0) {
        const deleted = await context.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: dlqUrl,
            Entries: accepted.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
          }),
        );
        // Sent but not deleted: it will be moved again by the next run, a duplicate the idempotent consumer drops.
        for (const failure of deleted.Failed ?? []) note(context, `${label}: sent, but could not delete ${accepted[Number(failure.Id)]?.MessageId} from the DLQ (${failure.Code})`);
      }
      moved += accepted.length;
      bar.update(moved + left);
    },
  });
  bar.finish();
  return { moved, left, how: 'receive/send/delete' };
}

export function consumersOf(name: string): ConsumerName[] {
  return name === 'all' ? [...CONSUMER_NAMES] : [name as ConsumerName];
}

export async function redriveConsumerDlq(context: RedriveContext, which: ConsumerName | 'all'): Promise<ModeResult> {
  const parts: string[] = [];
  let left = 0;
  const emulator = context.outputs.endpoint !== undefined;
  for (const consumer of consumersOf(which)) {
    const dlqUrl = context.outputs.require(QUEUE_KEYS[consumer].dlq);
    const queueUrl = context.outputs.require(QUEUE_KEYS[consumer].queue);
    const label = `${consumer} DLQ`;
    if (context.dryRun) {
      const count = (await approximateMessageCount(context.sqs, dlqUrl)) ?? 0;
      note(context, `${label}: would move ${count} messages from ${dlqUrl} to ${queueUrl}`);
      parts.push(`${consumer} ${count} would be moved`);
      continue;
    }
    let outcome: MoveOutcome | undefined;
    if (context.limit === undefined) {
      const [dlqArn, queueArn] = [await queueArnOf(context.sqs, dlqUrl), await queueArnOf(context.sqs, queueUrl)];
      try {
        outcome = await moveWithTask(context, dlqArn, queueArn, label);
      } catch (error: unknown) {
        if (!isMoveTaskUnsupported(error, emulator)) throw error;
        note(context, `${label}: this endpoint has no StartMessageMoveTask; moving messages by receive → send → delete`);
      }
    }
    outcome ??= await moveByHand(context, dlqUrl, queueUrl, label);
    left += outcome.left;
    parts.push(`${consumer} ${outcome.moved} moved${outcome.left > 0 ? `, ${outcome.left} left` : ''} (${outcome.how})`);
  }
  return { summary: `consumer-dlq${context.dryRun ? ' (dry run)' : ''}: ${parts.join('; ')}${context.dryRun ? '; nothing changed' : ''}`, left };
}
