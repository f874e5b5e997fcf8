import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from '@jest/globals';

import { failedItemIdentifiers } from '../../../local/function-invoker';
import { streamOnFailureRecord } from '../../../local/on-failure-record';

const record = (sequenceNumber: string, createdAt: string): DynamoDBRecord => ({
  eventName: 'INSERT',
  dynamodb: { SequenceNumber: sequenceNumber, ApproximateCreationDateTime: Date.parse(createdAt) / 1000 },
});

describe('the on-failure destination record of a stream batch', () => {
  it('has the shape Lambda sends: metadata of the batch, never the records', () => {
    const message = streamOnFailureRecord({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
      requestId: 'req-1',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:relay',
      functionError: 'Unhandled',
      shardId: 'shardId-1',
      streamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/x',
      records: [record('100', '2026-11-27T10:00:01Z'), record('101', '2026-11-27T10:00:02Z'), record('105', '2026-11-27T10:00:09Z')],
      now: new Date('2026-11-27T10:01:00.123Z'),
    });
    expect(message).toEqual({
      requestContext: {
        requestId: 'req-1',
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:relay',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-11-27T10:01:00.123Z',
      DDBStreamBatchInfo: {
        shardId: 'shardId-1',
        startSequenceNumber: '100',
        endSequenceNumber: '105',
        approximateArrivalOfFirstRecord: '2026-11-27T10:00:01Z',
        approximateArrivalOfLastRecord: '2026-11-27T10:00:09Z',
        batchSize: 3,
        streamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/x',
      },
    });
  });

  it('has no functionError when the records expired or the function reported failed items', () => {
    const message = streamOnFailureRecord({
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 0,
      requestId: 'r',
      functionArn: 'f',
      shardId: 's',
      streamArn: 'a',
      records: [record('1', '2026-11-27T10:00:00Z')],
    });
    expect(message.requestContext.condition).toBe('RecordAgeExceeded');
    expect(message.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
  });
});

describe('partial batch responses', () => {
  const batch = ['1', '2', '3'];

  it('succeed with an empty or missing batchItemFailures', () => {
    expect(failedItemIdentifiers({ batchItemFailures: [] }, batch)).toEqual([]);
    expect(failedItemIdentifiers({}, batch)).toEqual([]);
    expect(failedItemIdentifiers(null, batch)).toEqual([]);
    expect(failedItemIdentifiers({ batchItemFailures: null }, batch)).toEqual([]);
  });

  it('name the failed items', () => {
    expect(failedItemIdentifiers({ batchItemFailures: [{ itemIdentifier: '3' }, { itemIdentifier: '2' }] }, batch)).toEqual(['3', '2']);
  });

  it('fail the whole batch with an unknown, empty or missing identifier', () => {
    expect(failedItemIdentifiers({ batchItemFailures: [{ itemIdentifier: '9' }] }, batch)).toBe('all');
    expect(failedItemIdentifiers({ batchItemFailures: [{ itemIdentifier: '' }] }, batch)).toBe('all');
    expect(failedItemIdentifiers({ batchItemFailures: [{}] }, batch)).toBe('all');
  });
});
