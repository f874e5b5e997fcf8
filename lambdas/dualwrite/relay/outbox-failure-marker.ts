import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../dynamodb-errors';
import { FAILED_STATUS } from '../outbox';
import type { RelayFailure, RelayItem, TerminalFailureSink } from './relay-algorithm';
import type { OutboxItemRef } from './stream-records';

/** Long enough for any AWS error message, short enough to keep the item far from 400 KB. */
export const MAX_FAILURE_MESSAGE_LENGTH = 1_000;

export interface FailureAttributes {
  failedStatus: typeof FAILED_STATUS;
  failedAt: string;
  failureCode: string;
  failureMessage: string;
}

export function truncateMessage(message: string, maxLength: number = MAX_FAILURE_MESSAGE_LENGTH): string {
  return message.length <= maxLength ? message : `${message.slice(0, maxLength - 1)}…`;
}

export function failureAttributes(failure: RelayFailure, now: Date, maxLength: number = MAX_FAILURE_MESSAGE_LENGTH): FailureAttributes {
  return {
    failedStatus: FAILED_STATUS,
    failedAt: now.toISOString(),
    failureCode: truncateMessage(failure.code, 200),
    failureMessage: truncateMessage(failure.message, maxLength),
  };
}

export interface OutboxFailureMarkerOptions {
  documentClient: Pick<DynamoDBDocumentClient, 'send'>;
  tableName: string;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default MAX_FAILURE_MESSAGE_LENGTH */
  maxMessageLength?: number;
}

/**
 * Terminal-failure sink of the outbox relay: marks the outbox item FAILED, which puts it in the
 * sparse `FailedOutbox` index, and removes its `expiresAt` so TTL keeps it until someone redrives it.
 *
 * If the outbox item is gone (deleted by hand, or expired before a very late retry), the mark cannot
 * land on it; the item is put back from the stream image, marked FAILED, rather than the event lost.
 */
export class OutboxFailureMarker implements TerminalFailureSink<OutboxItemRef> {
  private readonly now: () => Date;
  private readonly maxMessageLength: number;

  constructor(private readonly options: OutboxFailureMarkerOptions) {
    this.now = options.now ?? (() => new Date());
    this.maxMessageLength = options.maxMessageLength ?? MAX_FAILURE_MESSAGE_LENGTH;
  }

  async record(item: RelayItem<OutboxItemRef>, failure: RelayFailure): Promise<void> {
    const attributes = failureAttributes(failure, this.now(), this.maxMessageLength);
    try {
      await this.options.documentClient.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: item.ref.key.pk, sk: item.ref.key.sk },
          UpdateExpression:
            'SET failedStatus = :failedStatus, failedAt = :failedAt, failureCode = :failureCode, failureMessage = :failureMessage REMOVE expiresAt',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':failedStatus': attributes.failedStatus,
            ':failedAt': attributes.failedAt,
            ':failureCode': attributes.failureCode,
            ':failureMessage': attributes.failureMessage,
          },
        }),
      );
    } catch (error: unknown) {
      if (!isConditionalCheckFailed(error)) throw error;
      const { expiresAt: _expiresAt, ...image } = item.ref.image ?? {};
      await this.options.documentClient.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { ...image, pk: item.ref.key.pk, sk: item.ref.key.sk, ...attributes },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    }
  }
}
