/** What every redrive mode gets: the stack, its clients, the operator's flags, where to write. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { EventPublisher, PublishResultEntry } from '../../lambdas/dualwrite/relay/relay-algorithm';
import type { PutEventsEntry } from '../../lambdas/dualwrite/envelope';
import type { ToolIo } from '../lib/cli';
import type { StackOutputs } from '../lib/outputs';
import { ProgressBar } from '../lib/progress';

export interface RedriveContext {
  outputs: StackOutputs;
  documentClient: Pick<DynamoDBDocumentClient, 'send'>;
  sqs: Pick<SQSClient, 'send'>;
  publisher: EventPublisher;
  dryRun: boolean;
  /** Draw the progress bar even when stderr is not a terminal. */
  progress: boolean;
  /** At most this many DLQ messages (stream, consumer) or FAILED items per run. */
  limit?: number;
  discardExpired: boolean;
  /** How far the window of a stream DLQ message is widened on each side. */
  marginMs: number;
  /** Outbox TTL, for the message about expired windows. */
  outboxTtlSeconds: number;
  now: () => Date;
  /**
   * SQS long-poll wait of each receive: 0 against the single-threaded emulator (a long poll would
   * stall it), a little on AWS, where a short poll samples only some servers and may miss messages.
   */
  receiveWaitSeconds: number;
  io: ToolIo;
}

/** What a mode hands back: one summary line, and how many things it left undone (exit code 1 if any). */
export interface ModeResult {
  summary: string;
  left: number;
}

export function progressBar(context: RedriveContext, label: string, total?: number): ProgressBar {
  return ProgressBar.for(context.io.stderr, context.progress, label, total);
}

export function note(context: RedriveContext, line: string): void {
  context.io.stderr.write(`${line}\n`);
}

/** The real publisher, counting the entries EventBridge took (for the progress bar). */
export function countingPublisher(publisher: EventPublisher, onPublished: (count: number) => void): EventPublisher {
  return {
    async putEvents(entries: readonly PutEventsEntry[]): Promise<readonly PublishResultEntry[]> {
      const results = await publisher.putEvents(entries);
      const accepted = results.filter((result) => !result.errorCode).length;
      if (accepted > 0) onPublished(accepted);
      return results;
    },
  };
}
