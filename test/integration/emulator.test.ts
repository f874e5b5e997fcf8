/**
 * The emulator itself (local/emulator.ts, local/emulator/moto_launcher.py): transactions are
 * atomic, including their stream records, requests are serialized, and the process never outlives
 * whoever started it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';

import { startEmulator } from '../../local/emulator';
import {
  createOutboxTable,
  documentClient,
  readStreamRecords,
  streamsClient,
  uniqueName,
  waitFor,
} from './support/aws';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const orderKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'STATE' });
const outboxKey = (orderId: string, version: number) => ({
  pk: `ORDER#${orderId}`,
  sk: `OUTBOX#${String(version).padStart(10, '0')}`,
});
/** A key no test ever writes: a ConditionCheck requiring it to exist always fails. */
const failingConditionCheck = (tableName: string) => ({
  ConditionCheck: {
    TableName: tableName,
    Key: { pk: 'NOWHERE', sk: 'NOTHING' },
    ConditionExpression: 'attribute_exists(pk)',
  },
});

async function cancellationCodes(transaction: Promise<unknown>): Promise<string[]> {
  const error = await transaction.then(
    () => {
      throw new Error('the transaction committed; it should have been cancelled');
    },
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(TransactionCanceledException);
  return ((error as TransactionCanceledException).CancellationReasons ?? []).map((reason) => reason.Code ?? '');
}

async function getItem(tableName: string, key: Record<string, string>) {
  const { Item } = await documentClient().send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  return Item;
}

describe('TransactWriteItems on the emulator', () => {
  it('leaves neither the item nor a stream record behind when a ConditionCheck cancels the transaction', async () => {
    const { tableName } = await createOutboxTable(uniqueName('cancelled-put'));

    const codes = await cancellationCodes(
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: { ...orderKey('o1'), version: 1 } } },
            failingConditionCheck(tableName),
          ],
        }),
      ),
    );

    expect(codes).toEqual(['None', 'ConditionalCheckFailed']);
    expect(await getItem(tableName, orderKey('o1'))).toBeUndefined();
    expect(await readStreamRecords(tableName)).toEqual([]);
  });

  it('keeps the old value, and only its stream record, of an item a cancelled transaction updated', async () => {
    const { tableName } = await createOutboxTable(uniqueName('cancelled-update'));
    await documentClient().send(
      new PutCommand({ TableName: tableName, Item: { ...orderKey('o1'), status: 'PLACED', version: 1 } }),
    );

    const codes = await cancellationCodes(
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: orderKey('o1'),
                UpdateExpression: 'SET #status = :cancelled, version = :next',
                ConditionExpression: 'version = :expected',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':cancelled': 'CANCELLED', ':next': 2, ':expected': 1 },
              },
            },
            { Put: { TableName: tableName, Item: { ...outboxKey('o1', 2), type: 'OrderCancelled' } } },
            failingConditionCheck(tableName),
          ],
        }),
      ),
    );

    expect(codes).toEqual(['None', 'None', 'ConditionalCheckFailed']);
    expect(await getItem(tableName, orderKey('o1'))).toEqual({ ...orderKey('o1'), status: 'PLACED', version: 1 });
    expect(await getItem(tableName, outboxKey('o1', 2))).toBeUndefined();
    const records = await readStreamRecords(tableName);
    expect(records.map((record) => record.eventName)).toEqual(['INSERT']);
    expect(records[0]?.dynamodb?.NewImage?.status).toEqual({ S: 'PLACED' });
  });

  it('gives a shard iterator taken before a cancelled transaction only the records committed after it', async () => {
    const { tableName, streamArn } = await createOutboxTable(uniqueName('held-iterator'));
    const shardId = (await readShardIds(streamArn))[0];
    const { ShardIterator: heldIterator } = await streamsClient().send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'LATEST' }),
    );

    await cancellationCodes(
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: { ...orderKey('rolled-back'), version: 1 } } },
            failingConditionCheck(tableName),
          ],
        }),
      ),
    );
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: tableName, Item: { ...orderKey('committed'), version: 1 } } }],
      }),
    );

    const { Records = [] } = await streamsClient().send(new GetRecordsCommand({ ShardIterator: heldIterator }));
    expect(Records.map((record) => record.dynamodb?.Keys?.pk)).toEqual([{ S: 'ORDER#committed' }]);
  });

  it('commits every item of a transaction with INSERT stream records carrying the new image', async () => {
    const { tableName } = await createOutboxTable(uniqueName('committed'));
    const order = { ...orderKey('o1'), status: 'PLACED', version: 1 };
    const outbox = { ...outboxKey('o1', 1), type: 'OrderPlaced' };

    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: order, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: tableName, Item: outbox, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );

    expect(await getItem(tableName, orderKey('o1'))).toEqual(order);
    expect(await getItem(tableName, outboxKey('o1', 1))).toEqual(outbox);
    const records = await readStreamRecords(tableName);
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(record.eventName).toBe('INSERT');
      expect(record.dynamodb?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
      expect(record.dynamodb?.OldImage).toBeUndefined();
    }
    expect(records.map((record) => record.dynamodb?.NewImage?.sk)).toEqual(
      expect.arrayContaining([{ S: 'STATE' }, { S: 'OUTBOX#0000000001' }]),
    );
  });

  it('records the old and the new image of an item a committed transaction updated', async () => {
    const { tableName } = await createOutboxTable(uniqueName('committed-update'));
    await documentClient().send(new PutCommand({ TableName: tableName, Item: { ...orderKey('o1'), version: 1 } }));

    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName,
              Key: orderKey('o1'),
              UpdateExpression: 'SET version = :next',
              ConditionExpression: 'version = :expected',
              ExpressionAttributeValues: { ':next': 2, ':expected': 1 },
            },
          },
        ],
      }),
    );

    const modify = (await readStreamRecords(tableName)).filter((record) => record.eventName === 'MODIFY');
    expect(modify).toHaveLength(1);
    expect(modify[0]?.dynamodb?.OldImage?.version).toEqual({ N: '1' });
    expect(modify[0]?.dynamodb?.NewImage?.version).toEqual({ N: '2' });
  });

  it('lets exactly one of ten concurrent transactions guarded by the same version commit', async () => {
    const { tableName } = await createOutboxTable(uniqueName('race'));
    await documentClient().send(new PutCommand({ TableName: tableName, Item: { ...orderKey('o1'), version: 1 } }));

    const attempts = Array.from({ length: 10 }, (_, attempt) =>
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: orderKey('o1'),
                UpdateExpression: 'SET version = :next, winner = :attempt',
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':next': 2, ':expected': 1, ':attempt': attempt },
              },
            },
            // A different item per attempt: the losers' writes must vanish with their transactions.
            { Put: { TableName: tableName, Item: { pk: 'ORDER#o1', sk: `ATTEMPT#${attempt}` } } },
          ],
        }),
      ),
    );
    const outcomes = await Promise.allSettled(attempts);

    const committed = outcomes.flatMap((outcome, attempt) => (outcome.status === 'fulfilled' ? [attempt] : []));
    expect(committed).toHaveLength(1);
    const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(losers).toHaveLength(9);
    for (const loser of losers) {
      expect(loser).toBeInstanceOf(TransactionCanceledException);
      expect((loser as TransactionCanceledException).CancellationReasons?.[0]?.Code).toBe('ConditionalCheckFailed');
    }
    const winner = committed[0];
    expect(await getItem(tableName, orderKey('o1'))).toEqual({ ...orderKey('o1'), version: 2, winner });
    const records = await readStreamRecords(tableName);
    expect(records.map((record) => `${record.eventName} ${record.dynamodb?.Keys?.sk?.S}`).sort()).toEqual(
      [`INSERT ATTEMPT#${winner}`, 'INSERT STATE', 'MODIFY STATE'].sort(),
    );
  });
});

describe('the emulator process', () => {
  it('answers on the port it reports and stops, idempotently, when asked', async () => {
    const emulator = await startEmulator();
    expect(emulator.endpoint).toBe(`http://127.0.0.1:${emulator.port}`);
    expect((await fetch(`${emulator.endpoint}/moto-api/`)).status).toBeLessThan(500);

    await Promise.all([emulator.stop(), emulator.stop()]);
    await emulator.stop();

    await expect(fetch(`${emulator.endpoint}/moto-api/`)).rejects.toThrow();
  });

  it('exits when the process that started it is killed without a chance to stop it', async () => {
    const script = `require(${JSON.stringify(path.join(PROJECT_ROOT, 'local', 'emulator.ts'))})
      .startEmulator().then((emulator) => { console.log(emulator.endpoint); setInterval(() => {}, 60000); });`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      const endpoint = await waitFor(() => /http:\/\/\S+/.exec(output)?.[0] ?? false, { timeoutMs: 30_000 });
      expect((await fetch(`${endpoint}/moto-api/`)).status).toBeLessThan(500);

      parent.kill('SIGKILL');

      await waitFor(
        async () => {
          await expect(fetch(`${endpoint}/moto-api/`)).rejects.toThrow();
        },
        { timeoutMs: 5_000 },
      );
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

async function readShardIds(streamArn: string): Promise<string[]> {
  const { StreamDescription } = await streamsClient().send(new DescribeStreamCommand({ StreamArn: streamArn }));
  return (StreamDescription?.Shards ?? []).map((shard) => shard.ShardId ?? '');
}
