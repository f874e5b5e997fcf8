import { describe, expect, it } from '@jest/globals';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { newEnvelope } from '../../../lambdas/dualwrite/envelope';
import { ConcurrencyConflictError, writeWithOutbox } from '../../../lambdas/dualwrite/transactional-outbox-writer';
import type { TransactWriteFault } from '../../../chaos/fault-plan';
import { partialPutEvents, startFaultProxy } from '../../../chaos/fault-proxy';

const entries = ['a', 'b', 'c', 'd'].map((name) => ({ Source: 's', DetailType: name, Detail: '{}' }));

describe('the partial PutEvents rewrite', () => {
  it('forwards only the entries not marked failed, in order', () => {
    const split = partialPutEvents({ Entries: entries, EndpointId: undefined }, new Map([[1, 'ThrottlingException'], [3, 'InternalFailure']]));
    expect(split.forwardBody?.Entries).toEqual([entries[0], entries[2]]);
  });

  it('puts the failed entries back in their places in the answer and counts them', () => {
    const split = partialPutEvents({ Entries: entries }, new Map([[1, 'ThrottlingException'], [3, 'InternalFailure']]));
    const merged = split.merge({ FailedEntryCount: 0, Entries: [{ EventId: 'e0' }, { EventId: 'e2' }] });
    expect(merged.FailedEntryCount).toBe(2);
    expect(merged.Entries).toEqual([
      { EventId: 'e0' },
      { ErrorCode: 'ThrottlingException', ErrorMessage: 'fault injected: ThrottlingException' },
      { EventId: 'e2' },
      { ErrorCode: 'InternalFailure', ErrorMessage: 'fault injected: InternalFailure' },
    ]);
  });

  it('keeps the emulator\'s own entry failures in the count', () => {
    const split = partialPutEvents({ Entries: entries.slice(0, 2) }, new Map([[0, 'InternalFailure']]));
    const merged = split.merge({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'bad' }] });
    expect(merged.FailedEntryCount).toBe(2);
  });

  it('forwards nothing when every entry fails', () => {
    const split = partialPutEvents({ Entries: entries.slice(0, 2) }, new Map([[0, 'InternalFailure'], [1, 'InternalFailure']]));
    expect(split.forwardBody).toBeUndefined();
    expect(split.merge(undefined).FailedEntryCount).toBe(2);
  });
});

describe('a refused TransactWriteItems', () => {
  async function commitThrough(fault: TransactWriteFault): Promise<{ error: unknown; itemCounts: number[] }> {
    const itemCounts: number[] = [];
    // Nothing listens upstream: a refused call must never be forwarded.
    const proxy = await startFaultProxy({
      upstream: 'http://127.0.0.1:9',
      planPutEvents: () => ({ kind: 'none' }),
      planTransactWrite: (itemCount) => {
        itemCounts.push(itemCount);
        return fault;
      },
    });
    const client = new DynamoDBClient({ endpoint: proxy.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const envelope = newEnvelope({ type: 'T', source: 's', aggregateType: 'A', aggregateId: '1', aggregateVersion: 1, correlationId: 'c', data: {} });
    try {
      await writeWithOutbox(DynamoDBDocumentClient.from(client), {
        tableName: 'table',
        writes: [{ Put: { TableName: 'table', Item: { pk: 'A#1', sk: 'STATE' } } }],
        events: [{ partitionKey: 'A#1', envelope }],
      });
      return { error: undefined, itemCounts };
    } catch (error) {
      return { error, itemCounts };
    } finally {
      client.destroy();
      await proxy.stop();
    }
  }

  it('reaches the writer as DynamoDB\'s TransactionCanceledException, one reason per item: a conflict is a ConcurrencyConflictError', async () => {
    const { error, itemCounts } = await commitThrough({ kind: 'refused', code: 'TransactionConflict', itemIndex: 1 });
    expect(itemCounts).toEqual([2]);
    expect(error).toBeInstanceOf(ConcurrencyConflictError);
    expect((error as ConcurrencyConflictError).reasons.map((reason) => reason.code)).toEqual(['None', 'TransactionConflict']);
  });

  it('a throttled transaction is not a conflict: the SDK\'s TransactionCanceledException reaches the caller', async () => {
    const { error } = await commitThrough({ kind: 'refused', code: 'ThrottlingError', itemIndex: 0 });
    expect(error).not.toBeInstanceOf(ConcurrencyConflictError);
    expect((error as { name?: string }).name).toBe('TransactionCanceledException');
  });
});
