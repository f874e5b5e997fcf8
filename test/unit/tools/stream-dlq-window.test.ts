import { describe, expect, it } from '@jest/globals';
import { emptyWindowMessage, mergeWindows, parseStreamDlqMessage, windowOf } from '../../../tools/redrive/stream-dlq';

const onFailureRecord = (first: string, last: string) =>
  JSON.stringify({
    requestContext: { requestId: 'r', functionArn: 'arn:fn', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11 },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-03-01T12:10:00.000Z',
    DDBStreamBatchInfo: {
      shardId: 'shardId-0001',
      startSequenceNumber: '100',
      endSequenceNumber: '200',
      approximateArrivalOfFirstRecord: first,
      approximateArrivalOfLastRecord: last,
      batchSize: 3,
      streamArn: 'arn:aws:dynamodb:us-east-1:1:table/T/stream/x',
    },
  });

describe('stream DLQ messages', () => {
  it('reads shard, sequence range and arrival times of the on-failure record', () => {
    expect(parseStreamDlqMessage(onFailureRecord('2026-03-01T12:00:00Z', '2026-03-01T12:00:05Z'))).toEqual({
      shardId: 'shardId-0001',
      startSequenceNumber: '100',
      endSequenceNumber: '200',
      firstArrival: new Date('2026-03-01T12:00:00Z'),
      lastArrival: new Date('2026-03-01T12:00:05Z'),
      batchSize: 3,
      streamArn: 'arn:aws:dynamodb:us-east-1:1:table/T/stream/x',
    });
  });

  it.each([
    ['not json', 'the body is not JSON'],
    [JSON.stringify({ hello: 1 }), 'no DDBStreamBatchInfo'],
    [onFailureRecord('yesterday', '2026-03-01T12:00:05Z'), 'approximateArrivalOfFirstRecord is not a timestamp'],
  ])('refuses %s, saying why', (body, reason) => {
    expect(() => parseStreamDlqMessage(body)).toThrow(reason);
  });

  it('widens the arrival window by the margin, and by the second the arrival times are truncated to', () => {
    const info = parseStreamDlqMessage(onFailureRecord('2026-03-01T12:00:00Z', '2026-03-01T12:00:05Z'));
    expect(windowOf(info, 60_000)).toEqual({ from: new Date('2026-03-01T11:59:00.000Z'), to: new Date('2026-03-01T12:01:05.999Z') });
    expect(windowOf(info, 0)).toEqual({ from: new Date('2026-03-01T12:00:00.000Z'), to: new Date('2026-03-01T12:00:05.999Z') });
  });

  it('merges overlapping windows and keeps apart the others, in time order', () => {
    const w = (from: string, to: string) => ({ from: new Date(from), to: new Date(to) });
    expect(
      mergeWindows([w('2026-03-01T12:10:00Z', '2026-03-01T12:20:00Z'), w('2026-03-01T12:00:00Z', '2026-03-01T12:05:00Z'), w('2026-03-01T12:15:00Z', '2026-03-01T12:30:00Z')]),
    ).toEqual([w('2026-03-01T12:00:00Z', '2026-03-01T12:05:00Z'), w('2026-03-01T12:10:00Z', '2026-03-01T12:30:00Z')]);
  });

  it('says when a window is older than the outbox TTL and points to the archive replay', () => {
    const info = parseStreamDlqMessage(onFailureRecord('2026-03-01T12:00:00Z', '2026-03-01T12:00:05Z'));
    const window = windowOf(info, 0);
    const message = emptyWindowMessage(info, window, 7 * 86_400, new Date('2026-03-20T00:00:00Z'));
    expect(message).toContain('the DLQ message covers 2026-03-01T12:00:00.000Z..2026-03-01T12:00:05.999Z');
    expect(message).toContain('no outbox item of that window remains (outbox TTL is 7 days; items written before 2026-03-13T00:00:00.000Z have expired)');
    expect(message).toContain('npm run replay');
    expect(emptyWindowMessage(info, window, 7 * 86_400, new Date('2026-03-02T00:00:00Z'))).toContain('younger than the outbox TTL');
  });
});
