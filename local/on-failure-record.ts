/**
 * The message a stream event source mapping sends to its on-failure destination when it gives up on
 * a batch: metadata only (shard, sequence range, arrival times), never the records themselves.
 * Shape as in the Lambda developer guide ("Retaining records from stream event sources").
 */
import type { DynamoDBRecord } from 'aws-lambda';

export type OnFailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface StreamOnFailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: OnFailureCondition;
    approximateInvokeCount: number;
  };
  responseContext: {
    statusCode: number;
    executedVersion: string;
    functionError?: string;
  };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

export interface StreamBatchFailure {
  condition: OnFailureCondition;
  /** Invocations made for this batch (0 if it expired before any). */
  approximateInvokeCount: number;
  /** The request id of the last invocation, or a fresh one if there was none. */
  requestId: string;
  functionArn: string;
  /** `Unhandled` for a thrown error or timeout; absent when the function answered with failed items. */
  functionError?: string;
  shardId: string;
  streamArn: string;
  records: readonly DynamoDBRecord[];
  now?: Date;
}

export function streamOnFailureRecord(failure: StreamBatchFailure): StreamOnFailureRecord {
  if (failure.records.length === 0) throw new Error('an on-failure record needs at least one stream record');
  const first = failure.records[0]!;
  const last = failure.records[failure.records.length - 1]!;
  const responseContext: StreamOnFailureRecord['responseContext'] = { statusCode: 200, executedVersion: '$LATEST' };
  if (failure.functionError !== undefined) responseContext.functionError = failure.functionError;
  return {
    requestContext: {
      requestId: failure.requestId,
      functionArn: failure.functionArn,
      condition: failure.condition,
      approximateInvokeCount: failure.approximateInvokeCount,
    },
    responseContext,
    version: '1.0',
    timestamp: (failure.now ?? new Date()).toISOString(),
    DDBStreamBatchInfo: {
      shardId: failure.shardId,
      startSequenceNumber: first.dynamodb?.SequenceNumber ?? '',
      endSequenceNumber: last.dynamodb?.SequenceNumber ?? '',
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(last),
      batchSize: failure.records.length,
      streamArn: failure.streamArn,
    },
  };
}

/** `2019-11-14T00:13:19Z`: the record's creation time, to the second, as Lambda writes it. */
function arrival(record: DynamoDBRecord): string {
  const seconds = record.dynamodb?.ApproximateCreationDateTime ?? 0;
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
