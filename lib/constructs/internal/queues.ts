import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** Every queue of dualwrite: encrypted at rest, reachable over TLS only. */
export const QUEUE_SECURITY_DEFAULTS = {
  encryption: sqs.QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
} satisfies sqs.QueueProps;

/** Two weeks (SQS's maximum) to notice and redrive. */
const DEAD_LETTER_QUEUE_DEFAULTS = {
  ...QUEUE_SECURITY_DEFAULTS,
  retentionPeriod: Duration.days(14),
} satisfies sqs.QueueProps;

/** The dead-letter queue props every dualwrite construct takes (Solutions Constructs style). */
export interface DeadLetterQueueChoice {
  /**
   * An existing queue to use as the dead-letter queue.
   *
   * @default - a queue is created from `deadLetterQueueProps`
   */
  readonly existingDeadLetterQueueObj?: sqs.IQueue;
  /**
   * Merged over the dead-letter queue defaults. Cannot be combined with `existingDeadLetterQueueObj`.
   *
   * @default - SQS-managed encryption, TLS enforced, 14 days retention
   */
  readonly deadLetterQueueProps?: sqs.QueueProps;
}

/** Uses the caller's queue or creates one with safe defaults; refuses both at once. */
export function resolveDeadLetterQueue(scope: Construct, id: string, owner: string, choice: DeadLetterQueueChoice): sqs.IQueue {
  if (choice.existingDeadLetterQueueObj && choice.deadLetterQueueProps) {
    throw new Error(`${owner}: provide existingDeadLetterQueueObj or deadLetterQueueProps, not both`);
  }
  return choice.existingDeadLetterQueueObj ?? new sqs.Queue(scope, id, { ...DEAD_LETTER_QUEUE_DEFAULTS, ...choice.deadLetterQueueProps });
}
