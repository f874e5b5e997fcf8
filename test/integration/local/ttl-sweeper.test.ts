import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from '@jest/globals';

import { toLambdaDynamoDBRecord } from '../../../local/dynamodb-stream-records';
import { silentLog, type RuntimeLog } from '../../../local/log';
import { DynamoDbStreamEventSource, streamSettingsFromMapping } from '../../../local/stream-event-source';
import { TtlDeletions, TTL_USER_IDENTITY } from '../../../local/ttl-deletions';
import { TtlSweeper, type TtlTable } from '../../../local/ttl-sweeper';
import {
  awsClientConfig,
  createOutboxTable,
  dynamoClient,
  readStreamRecords,
  sqsClient,
  streamsClient,
  uniqueName,
  waitFor,
} from '../support/aws';
import { fixtureFunction } from './support';

const running: Array<{ stop(): Promise<void> }> = [];
const clients: DynamoDBClient[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((stoppable) => stoppable.stop()));
  for (const client of clients.splice(0)) client.destroy();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function put(tableName: string, pk: string, expiresAt?: AttributeValue, extra: Record<string, AttributeValue> = {}): Promise<void> {
  await dynamoClient().send(
    new PutItemCommand({
      TableName: tableName,
      Item: { pk: { S: pk }, sk: { S: 'STATE' }, ...(expiresAt !== undefined ? { expiresAt } : {}), ...extra },
    }),
  );
}

async function remainingKeys(tableName: string): Promise<string[]> {
  const { Items = [] } = await dynamoClient().send(new ScanCommand({ TableName: tableName, ProjectionExpression: 'pk' }));
  return Items.map((item) => item.pk!.S!).sort();
}

async function outboxTable(prefix: string): Promise<{ table: TtlTable; streamArn: string }> {
  const { tableName, streamArn } = await createOutboxTable(uniqueName(prefix));
  return { table: { logicalId: 'Table', tableName, ttlAttribute: 'expiresAt', keyAttributes: ['pk', 'sk'], hasStream: true }, streamArn };
}

function sweeperFor(
  table: TtlTable,
  options: { dynamodb?: DynamoDBClient; deletions?: TtlDeletions; log?: RuntimeLog; intervalMs?: number } = {},
): TtlSweeper {
  const sweeper = new TtlSweeper({
    tables: [table],
    dynamodb: options.dynamodb ?? dynamoClient(),
    deletions: options.deletions ?? new TtlDeletions(),
    log: options.log ?? silentLog,
    intervalMs: options.intervalMs ?? 0,
  });
  running.push(sweeper);
  return sweeper;
}

function capturingLog(): { log: RuntimeLog; lines: string[] } {
  const lines: string[] = [];
  return { log: { ...silentLog, info: (message) => lines.push(message), error: (message) => lines.push(`error: ${message}`) }, lines };
}

describe('TTL emulation (the emulator ignores TTL)', () => {
  it('deletes items whose TTL is a number in the past; keeps future, missing, non-number and too-old values', async () => {
    const { table } = await outboxTable('ttl-sweep');
    const now = nowSeconds();
    await put(table.tableName, 'EXPIRED#1', { N: String(now - 60) });
    await put(table.tableName, 'EXPIRED#2', { N: String(now - 3600) });
    await put(table.tableName, 'FUTURE', { N: String(now + 3600) });
    await put(table.tableName, 'NO-TTL');
    await put(table.tableName, 'STRING-TTL', { S: String(now - 60) });
    await put(table.tableName, 'MILLENNIA-AGO', { N: '1' }); // more than five years ago: DynamoDB ignores it
    const { log, lines } = capturingLog();

    const result = await sweeperFor(table, { log }).sweep();

    expect(result).toEqual({ deleted: 2, deletedByTable: { [table.tableName]: 2 }, rewritten: 0 });
    expect(await remainingKeys(table.tableName)).toEqual(['FUTURE', 'MILLENNIA-AGO', 'NO-TTL', 'STRING-TTL']);
    expect(lines).toEqual([`TTL sweep: deleted 2 expired item(s) (2 in ${table.tableName})`]);
  });

  it('logs nothing for a sweep that deletes nothing', async () => {
    const { table } = await outboxTable('ttl-quiet');
    await put(table.tableName, 'FUTURE', { N: String(nowSeconds() + 3600) });
    const { log, lines } = capturingLog();
    expect(await sweeperFor(table, { log }).sweep()).toEqual({ deleted: 0, deletedByTable: {}, rewritten: 0 });
    expect(lines).toEqual([]);
  });

  it('keeps an item rewritten between the scan and its delete (conditional DeleteItem)', async () => {
    const { table } = await outboxTable('ttl-rewritten');
    const now = nowSeconds();
    await put(table.tableName, 'REWRITTEN', { N: String(now - 60) }, { version: { N: '1' } });
    await put(table.tableName, 'REWRITTEN-STILL-EXPIRED', { N: String(now - 60) });
    await put(table.tableName, 'EXPIRED', { N: String(now - 60) });

    // The sweeper's own client rewrites two items just before their DeleteItem goes out: one gets a
    // future TTL, the other another past one. Both deletes must fail their condition.
    const sweeperClient = new DynamoDBClient(awsClientConfig());
    clients.push(sweeperClient);
    sweeperClient.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: Record<string, AttributeValue> };
        const pk = input.Key?.pk?.S;
        if (context.commandName === 'DeleteItemCommand' && pk === 'REWRITTEN') {
          await put(table.tableName, 'REWRITTEN', { N: String(now + 3600) }, { version: { N: '2' } });
        }
        if (context.commandName === 'DeleteItemCommand' && pk === 'REWRITTEN-STILL-EXPIRED') {
          await put(table.tableName, 'REWRITTEN-STILL-EXPIRED', { N: String(now - 30) });
        }
        return next(args);
      },
      { step: 'initialize', name: 'rewriteBeforeDelete' },
    );
    const deletions = new TtlDeletions();
    const sweeper = sweeperFor(table, { dynamodb: sweeperClient, deletions });

    const first = await sweeper.sweep();

    expect(first).toEqual({ deleted: 1, deletedByTable: { [table.tableName]: 1 }, rewritten: 2 });
    expect(await remainingKeys(table.tableName)).toEqual(['REWRITTEN', 'REWRITTEN-STILL-EXPIRED']);
    const { Item } = await dynamoClient().send(
      new GetItemCommand({ TableName: table.tableName, Key: { pk: { S: 'REWRITTEN' }, sk: { S: 'STATE' } } }),
    );
    expect(Item?.version).toEqual({ N: '2' });
    // Only the deletion that happened is still announced for the stream record converter.
    expect(deletions.size).toBe(1);

    // The item rewritten with another past TTL is expired still: the next sweep takes it.
    const second = await sweeper.sweep();
    expect(second.deleted).toBe(1);
    expect(await remainingKeys(table.tableName)).toEqual(['REWRITTEN']);
  });

  it('follows the Scan pages (the emulator pages at 1 MB)', async () => {
    const { table } = await outboxTable('ttl-pages');
    const now = nowSeconds();
    const padding = { S: 'x'.repeat(60_000) };
    for (let index = 0; index < 40; index += 1) {
      await put(table.tableName, `BIG#${String(index).padStart(2, '0')}`, { N: String(now - 60) }, { padding });
    }
    await put(table.tableName, 'FUTURE', { N: String(now + 3600) }, { padding });
    const scans: number[] = [];
    const countingClient = new DynamoDBClient(awsClientConfig());
    clients.push(countingClient);
    countingClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ScanCommand') scans.push(1);
        return next(args);
      },
      { step: 'initialize', name: 'countScans' },
    );

    const result = await sweeperFor(table, { dynamodb: countingClient }).sweep();

    expect(scans.length).toBeGreaterThan(1);
    expect(result.deleted).toBe(40);
    expect(await remainingKeys(table.tableName)).toEqual(['FUTURE']);
  });

  it("marks the swept items' stream REMOVE records with the TTL userIdentity, and no other record", async () => {
    const { table, streamArn } = await outboxTable('ttl-stream');
    const now = nowSeconds();
    const deletions = new TtlDeletions();
    // A poller already running, as in the local runtime, so it may read the REMOVE records at once.
    const fixture = fixtureFunction('stream-handler.cjs');
    const source = new DynamoDbStreamEventSource({
      name: 'ttl-test',
      streamArn,
      function: fixture.lambda,
      settings: streamSettingsFromMapping({}), // Lambda's defaults
      streams: streamsClient(),
      sqs: sqsClient(),
      log: silentLog,
      pollIntervalMs: 20,
      ttlDeletions: deletions,
    });
    running.push(source, fixture.lambda);
    source.start();

    await put(table.tableName, 'SWEPT#1', { N: String(now - 60) });
    await put(table.tableName, 'SWEPT#2', { N: String(now - 120) });
    await put(table.tableName, 'USER-DELETED', { N: String(now - 60) });
    await put(table.tableName, 'KEPT', { N: String(now + 3600) });
    // A user deletes an expired item before the sweep: its REMOVE is the user's, not TTL's.
    await dynamoClient().send(
      new DeleteItemCommand({ TableName: table.tableName, Key: { pk: { S: 'USER-DELETED' }, sk: { S: 'STATE' } } }),
    );
    expect((await sweeperFor(table, { deletions }).sweep()).deleted).toBe(2);
    // The same keys written again and deleted by a user after the sweep: not a TTL deletion either.
    await put(table.tableName, 'SWEPT#1');
    await dynamoClient().send(new DeleteItemCommand({ TableName: table.tableName, Key: { pk: { S: 'SWEPT#1' }, sk: { S: 'STATE' } } }));

    const delivered = await waitFor(() => {
      const records = fixture.invocations<{ records: DynamoDBRecord[] }>().flatMap((invocation) => invocation.records);
      return records.length >= 9 && records;
    });
    const summary = delivered.map((record) => [record.eventName, record.dynamodb?.Keys?.pk?.S, record.userIdentity ?? null]);
    expect(summary).toEqual([
      ['INSERT', 'SWEPT#1', null],
      ['INSERT', 'SWEPT#2', null],
      ['INSERT', 'USER-DELETED', null],
      ['INSERT', 'KEPT', null],
      ['REMOVE', 'USER-DELETED', null],
      ['REMOVE', 'SWEPT#1', TTL_USER_IDENTITY],
      ['REMOVE', 'SWEPT#2', TTL_USER_IDENTITY],
      ['INSERT', 'SWEPT#1', null],
      ['REMOVE', 'SWEPT#1', null],
    ]);

    // Another reader of the same stream (a second event source mapping) gets the same answers.
    const converted = (await readStreamRecords(table.tableName)).map((record) =>
      toLambdaDynamoDBRecord(record, streamArn, { ttlDeletions: deletions }),
    );
    expect(converted.map((record) => record.userIdentity ?? null)).toEqual(summary.map(([, , identity]) => identity));
  });

  it('sweeps periodically once started, and stops', async () => {
    const { table } = await outboxTable('ttl-periodic');
    const sweeper = sweeperFor(table, { intervalMs: 100 });
    sweeper.start();
    await put(table.tableName, 'EXPIRED', { N: String(nowSeconds() - 60) });
    await put(table.tableName, 'FUTURE', { N: String(nowSeconds() + 3600) });
    await waitFor(async () => expect(await remainingKeys(table.tableName)).toEqual(['FUTURE']), { timeoutMs: 10_000 });
    await sweeper.stop(); // resolves: the loop ends, a sweep in progress is awaited
  });
});
