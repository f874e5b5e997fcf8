/**
 * The emulator itself (local/emulator.ts, local/emulator/moto_launcher.py): transactions are
 * atomic, including their stream records, requests are serialized, and the process never outlives
 * whoever started it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { DescribeTableCommand, DynamoDBClient, ListTablesCommand, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';

import { ensureEmulatorVenv, startEmulator } from '../../local/emulator';
import {
  awsClientConfig,
  createOutboxTable,
  documentClient,
  getItem,
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

/** The entity Update of an order cancellation: version 1 → 2, status CANCELLED. */
const cancelOrderAtVersion1 = (tableName: string, orderId: string) => ({
  Update: {
    TableName: tableName,
    Key: orderKey(orderId),
    UpdateExpression: 'SET #status = :cancelled, version = :next',
    ConditionExpression: 'version = :expected',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':cancelled': 'CANCELLED', ':next': 2, ':expected': 1 },
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
            cancelOrderAtVersion1(tableName, 'o1'),
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

  it('leaves the entity, the outbox and the stream as they were when the outbox Put of an entity Update fails its condition', async () => {
    const { tableName } = await createOutboxTable(uniqueName('cancelled-outbox'));
    const placed = { ...orderKey('o1'), status: 'PLACED', version: 1 };
    await documentClient().send(new PutCommand({ TableName: tableName, Item: placed }));
    const recordsBefore = await readStreamRecords(tableName);
    expect(recordsBefore).toHaveLength(1);

    const codes = await cancellationCodes(
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            // Runs first, and succeeds: moto applies it before it evaluates the outbox Put.
            cancelOrderAtVersion1(tableName, 'o1'),
            {
              Put: {
                TableName: tableName,
                Item: { ...outboxKey('o1', 2), type: 'OrderCancelled' },
                ConditionExpression: 'attribute_exists(pk)', // the item does not exist: fails
              },
            },
          ],
        }),
      ),
    );

    expect(codes).toEqual(['None', 'ConditionalCheckFailed']);
    expect(await getItem(tableName, orderKey('o1'))).toEqual(placed);
    expect(await getItem(tableName, outboxKey('o1', 2))).toBeUndefined();
    expect(await readStreamRecords(tableName)).toEqual(recordsBefore);
  });

  // moto's TransactWriteItems handler checks expression syntax and attribute names up front, but an
  // undefined expression attribute value (UpdateExpressionValidator, in update_item) and a key of the
  // wrong type (Table.put_item) are only found when that operation executes, after the operations
  // before it were applied: moto then raises the ValidationException itself instead of cancelling.
  it.each([
    {
      invalid: 'an UpdateExpression using an undefined attribute value',
      third: (tableName: string) => ({
        Update: {
          TableName: tableName,
          Key: orderKey('c'),
          UpdateExpression: 'SET version = :undefined',
          ExpressionAttributeValues: { ':defined': 1 },
        },
      }),
      message: /:undefined/,
    },
    {
      invalid: 'a Put whose key has the wrong type',
      third: (tableName: string) => ({ Put: { TableName: tableName, Item: { pk: 3, sk: 'STATE' } } }),
      message: /Type mismatch for key pk/,
    },
  ])('leaves nothing of a transaction whose third of four operations is $invalid', async ({ third, message }) => {
    const { tableName } = await createOutboxTable(uniqueName('validation-midway'));
    const existing = { ...orderKey('b'), status: 'PLACED', version: 1 };
    await documentClient().send(new PutCommand({ TableName: tableName, Item: existing }));
    const recordsBefore = await readStreamRecords(tableName);

    const error = await documentClient()
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: { ...orderKey('a'), version: 1 } } },
            {
              Update: {
                TableName: tableName,
                Key: orderKey('b'),
                UpdateExpression: 'SET version = :next',
                ExpressionAttributeValues: { ':next': 2 },
              },
            },
            third(tableName) as never,
            { Put: { TableName: tableName, Item: { ...orderKey('d'), version: 1 } } },
          ],
        }),
      )
      .then(
        () => new Error('the transaction committed; it should have failed validation'),
        (rejection: unknown) => rejection,
      );

    expect((error as Error).name).toBe('ValidationException');
    expect((error as Error).message).toMatch(message);
    expect(await getItem(tableName, orderKey('a'))).toBeUndefined();
    expect(await getItem(tableName, orderKey('b'))).toEqual(existing);
    expect(await getItem(tableName, orderKey('c'))).toBeUndefined();
    expect(await getItem(tableName, orderKey('d'))).toBeUndefined();
    expect(await readStreamRecords(tableName)).toEqual(recordsBefore);
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

  it('writes every operation of a committed transaction, with one stream record each, in operation order', async () => {
    const { tableName } = await createOutboxTable(uniqueName('committed-order'));
    await documentClient().send(new PutCommand({ TableName: tableName, Item: { ...orderKey('o1'), version: 1 } }));
    await documentClient().send(new PutCommand({ TableName: tableName, Item: { ...orderKey('gone'), version: 1 } }));
    const seeded = (await readStreamRecords(tableName)).length;

    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: { ...orderKey('o2'), version: 1 } } },
          {
            Update: {
              TableName: tableName,
              Key: orderKey('o1'),
              UpdateExpression: 'SET version = :next',
              ConditionExpression: 'version = :expected',
              ExpressionAttributeValues: { ':next': 2, ':expected': 1 },
            },
          },
          { Delete: { TableName: tableName, Key: orderKey('gone') } },
          { Put: { TableName: tableName, Item: { ...outboxKey('o1', 2), type: 'OrderCancelled' } } },
        ],
      }),
    );

    expect(await getItem(tableName, orderKey('o2'))).toEqual({ ...orderKey('o2'), version: 1 });
    expect(await getItem(tableName, orderKey('o1'))).toEqual({ ...orderKey('o1'), version: 2 });
    expect(await getItem(tableName, orderKey('gone'))).toBeUndefined();
    expect(await getItem(tableName, outboxKey('o1', 2))).toEqual({ ...outboxKey('o1', 2), type: 'OrderCancelled' });
    const records = (await readStreamRecords(tableName)).slice(seeded);
    expect(records.map((record) => `${record.eventName} ${record.dynamodb?.Keys?.pk?.S} ${record.dynamodb?.Keys?.sk?.S}`)).toEqual([
      'INSERT ORDER#o2 STATE',
      'MODIFY ORDER#o1 STATE',
      'REMOVE ORDER#gone STATE',
      'INSERT ORDER#o1 OUTBOX#0000000002',
    ]);
    const sequenceNumbers = records.map((record) => BigInt(record.dynamodb?.SequenceNumber ?? '0'));
    expect(sequenceNumbers).toEqual([...sequenceNumbers].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(sequenceNumbers).size).toBe(4);
  });

  it('keeps every PutItem, and its stream record, that races cancelled transactions from other clients', async () => {
    const { tableName } = await createOutboxTable(uniqueName('put-race'));
    await documentClient().send(new PutCommand({ TableName: tableName, Item: { ...orderKey('o1'), version: 1 } }));
    // Separate clients, so requests arrive on separate connections, interleaved as the server accepts them.
    const clients = Array.from({ length: 4 }, () => DynamoDBDocumentClient.from(new DynamoDBClient(awsClientConfig())));
    const putCount = 120;
    const cancelledCount = 40;
    try {
      const puts = Array.from({ length: putCount }, (_, i) =>
        clients[i % 2]!.send(
          new PutCommand({ TableName: tableName, Item: { pk: `RACE#${i}`, sk: 'STATE', i } }),
        ),
      );
      const cancelled = Array.from({ length: cancelledCount }, (_, i) =>
        cancellationCodes(
          clients[2 + (i % 2)]!.send(
            new TransactWriteCommand({
              TransactItems: [
                // Same partitions as the racing puts, and the shared order: all must be rolled back.
                { Put: { TableName: tableName, Item: { pk: `RACE#${i}`, sk: `TX#${i}` } } },
                {
                  Update: {
                    TableName: tableName,
                    Key: orderKey('o1'),
                    UpdateExpression: 'SET version = :next',
                    ExpressionAttributeValues: { ':next': 100 + i },
                  },
                },
                failingConditionCheck(tableName),
              ],
            }),
          ),
        ),
      );
      const [, codes] = await Promise.all([Promise.all(puts), Promise.all(cancelled)]);
      for (const code of codes) expect(code).toEqual(['None', 'None', 'ConditionalCheckFailed']);
    } finally {
      for (const client of clients) client.destroy();
    }

    for (let i = 0; i < putCount; i++) {
      expect(await getItem(tableName, { pk: `RACE#${i}`, sk: 'STATE' })).toEqual({ pk: `RACE#${i}`, sk: 'STATE', i });
    }
    for (let i = 0; i < cancelledCount; i++) {
      expect(await getItem(tableName, { pk: `RACE#${i}`, sk: `TX#${i}` })).toBeUndefined();
    }
    expect(await getItem(tableName, orderKey('o1'))).toEqual({ ...orderKey('o1'), version: 1 });
    const records = await readStreamRecords(tableName);
    expect(records.map((record) => `${record.eventName} ${record.dynamodb?.Keys?.pk?.S} ${record.dynamodb?.Keys?.sk?.S}`).sort()).toEqual(
      ['INSERT ORDER#o1 STATE', ...Array.from({ length: putCount }, (_, i) => `INSERT RACE#${i} STATE`)].sort(),
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

  it('writes the time spent per AWS action to the profile file, counting every call up to its stop', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dualwrite-profile-'));
    try {
      const profileFile = path.join(dir, 'profile.txt');
      const emulator = await startEmulator({ profileFile });
      const client = new DynamoDBClient({ ...awsClientConfig(), endpoint: emulator.endpoint });
      try {
        for (let i = 0; i < 3; i++) await client.send(new ListTablesCommand({}));
        await client.send(new DescribeTableCommand({ TableName: 'no-such-table' })).catch(() => undefined);
      } finally {
        client.destroy();
        await emulator.stop(); // well within the 5 s interval: only the write on exit can have these calls
      }
      const lines = (await readFile(profileFile, 'utf8')).split('\n');

      expect(lines[0]).toMatch(/^# \d+ s up, \d+ s busy serving requests$/);
      expect(lines.find((line) => line.endsWith(' DynamoDB_20120810.ListTables'))).toMatch(/^\s*[\d.]+ s\s+3 calls\s+[\d.]+ ms {2}DynamoDB_20120810\.ListTables$/);
      expect(lines.find((line) => line.endsWith(' DynamoDB_20120810.DescribeTable'))).toMatch(/\s1 calls\s/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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

const launcher = path.join(PROJECT_ROOT, 'local', 'emulator', 'moto_launcher.py');

/** Python lines importing the launcher as `m`, with `json`, `sys` and `Path`. */
const importLauncher = [
  'import json, sys; from pathlib import Path',
  `sys.path.insert(0, ${JSON.stringify(path.dirname(launcher))})`,
  'import moto_launcher as m',
];

/** Runs a Python command in the project root; with `until`, kills it once its output matches. */
function run(python: string, args: string[], until?: RegExp): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { cwd: PROJECT_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (until?.test(output)) child.kill('SIGKILL');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('the launcher refuses a moto other than the pinned one', () => {
  async function withRequirements<T>(content: string, use: (file: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(path.join(tmpdir(), 'dualwrite-requirements-'));
    try {
      const file = path.join(dir, 'requirements-dev.txt');
      await writeFile(file, content);
      return await use(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The launcher's version check of an installed moto against `requirements` (a Python path expression); exits 3 printing a refusal. */
  async function checkMotoVersion(installed: string, requirements: string) {
    const script = [
      ...importLauncher,
      'try:',
      `    m.check_moto_version(${JSON.stringify(installed)}, ${requirements})`,
      'except m.WrongMotoVersion as e:',
      '    print(e); sys.exit(3)',
    ].join('\n');
    return run(await ensureEmulatorVenv(PROJECT_ROOT), ['-c', script]);
  }

  it('exits 3, naming both versions and the fix, when the requirements pin another moto than the installed one', async () => {
    const python = await ensureEmulatorVenv(PROJECT_ROOT);
    await withRequirements('moto[server]==5.1.0\n', async (requirements) => {
      const { code, output } = await run(python, [launcher, '--port', '0', '--requirements', requirements]);

      expect(code).toBe(3);
      expect(output).toContain('refusing to start');
      expect(output).toContain('moto 5.2.1 is installed');
      expect(output).toContain(`pins moto 5.1.0`);
      expect(output).toContain(`.venv/bin/pip install -r ${requirements}`);
      expect(output).not.toContain('moto ready');
    });
  });

  it('names requirements-dev.txt in the fix when it is the default requirements file', async () => {
    const { code, output } = await checkMotoVersion('9.9.9', 'm.DEFAULT_REQUIREMENTS');

    expect(code).toBe(3);
    expect(output).toContain('moto 9.9.9 is installed');
    expect(output).toContain('pins moto 5.2.1');
    expect(output).toContain('Fix: .venv/bin/pip install -r requirements-dev.txt');
  });

  it('refuses a pin that differs from the moto the undo log was written for', async () => {
    await withRequirements('moto[server]==5.3.0\n', async (requirements) => {
      const { code, output } = await checkMotoVersion('5.3.0', `Path(${JSON.stringify(requirements)})`);

      expect(code).toBe(3);
      expect(output).toContain('pins moto 5.3.0');
      expect(output).toContain('written for moto 5.2.1');
    });
  });

  it('still starts stock moto (--no-undo-log) under another pin', async () => {
    const python = await ensureEmulatorVenv(PROJECT_ROOT);
    await withRequirements('moto[server]==5.1.0\n', async (requirements) => {
      const { output } = await run(
        python,
        [launcher, '--port', '0', '--no-undo-log', '--requirements', requirements],
        /moto ready on http:\/\/\S+/,
      );

      expect(output).toMatch(/moto ready on http:\/\/127\.0\.0\.1:\d+ \(TransactWriteItems undo log off/);
      expect(output).not.toContain('refusing');
    });
  });
});

describe("the launcher's SQS patches keep moto's answers and drop its per-message queue scans", () => {
  /**
   * Runs `body` (Python, indented four spaces) against a private moto SQS backend after the launcher
   * patches named in `patches`, with `queue.attributes` (the full attribute set, which scans the
   * queue) counting its computations in `computed[0]`; prints what `body` puts in `result` as JSON.
   */
  async function withSqsBackend(patches: string[], body: string[]): Promise<Record<string, unknown>> {
    const python = await ensureEmulatorVenv(PROJECT_ROOT);
    const script = [
      ...importLauncher,
      'from moto.sqs import models as sqs_models',
      'full = sqs_models.Queue.__dict__["attributes"]',
      'computed = [0]',
      'def counting(queue):',
      '    computed[0] += 1',
      '    return full.fget(queue)',
      'sqs_models.Queue.attributes = property(counting)',
      ...patches.map((patch) => `m.${patch}()`),
      'backend = sqs_models.SQSBackend("us-east-1", "123456789012")',
      'result = {}',
      'def main():',
      ...body,
      'main()',
      'print("RESULT " + json.dumps(result))',
    ].join('\n');
    const { code, output } = await run(python, ['-c', script]);
    const line = output.split('\n').find((candidate) => candidate.startsWith('RESULT '));
    if (code !== 0 || line === undefined) throw new Error(`the Python check failed (exit ${code}):\n${output}`);
    return JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>;
  }

  const receiveFromAQueueWithAnExpiredMessage = [
    '    backend.create_queue("q", MessageRetentionPeriod="60")',
    '    for body in ["one", "two", "expired", "four"]:',
    '        backend.send_message("q", body)',
    '    expired = [message for message in backend.get_queue("q")._messages if message.body == "expired"][0]',
    '    expired.sent_timestamp -= 61_000',
    '    computed[0] = 0',
    '    result["received"] = [message.body for message in backend.receive_message("q", 10, 0, 30)]',
    '    result["computed"] = computed[0]',
  ];

  it('ReceiveMessage stops at a message past the retention period, as stock moto does, without computing the queue attributes', async () => {
    const stock = await withSqsBackend([], receiveFromAQueueWithAnExpiredMessage);
    const patched = await withSqsBackend(['install_cheap_retention_check'], receiveFromAQueueWithAnExpiredMessage);

    expect(stock.received).toEqual(['one', 'two']);
    expect(patched.received).toEqual(stock.received);
    expect(stock.computed).toBeGreaterThan(0); // what the patch saves: a scan of the queue per message
    expect(patched.computed).toBe(0);
  }, 60_000);

  const askForTheMessageCounts = [
    '    backend.create_queue("q", VisibilityTimeout="30")',
    '    for body in ["one", "two", "three"]:',
    '        backend.send_message("q", body)',
    '    backend.receive_message("q", 1, 0, 30)',
    '    computed[0] = 0',
    '    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "VisibilityTimeout"]',
    '    result["some"] = backend.get_queue_attributes("q", names)',
    '    result["computed"] = computed[0]',
    '    every = backend.get_queue_attributes("q", ["All"])',
    '    result["all"] = sorted((name, value) for name, value in every.items() if not name.endswith("Timestamp"))',
  ];

  it('GetQueueAttributes gives the same answer, computing the attributes once per call instead of three times per name asked', async () => {
    const stock = await withSqsBackend([], askForTheMessageCounts);
    const patched = await withSqsBackend(['install_one_attribute_computation_per_call'], askForTheMessageCounts);

    expect(stock.some).toEqual({ ApproximateNumberOfMessages: 2, ApproximateNumberOfMessagesNotVisible: 1, VisibilityTimeout: 30 });
    expect(patched.some).toEqual(stock.some);
    expect((patched.all as unknown[]).length).toBeGreaterThan(5);
    expect(patched.all).toEqual(stock.all);
    expect(stock.computed).toBe(9); // three per name asked
    expect(patched.computed).toBe(1);
  }, 60_000);

  const sendToAFifoQueueWithContentBasedDeduplication = [
    '    backend.create_queue("q.fifo", FifoQueue="true", ContentBasedDeduplication="true")',
    '    backend.create_queue("standard")',
    '    computed[0] = 0',
    '    for _ in range(3):',
    '        backend.send_message("q.fifo", "same body", group_id="g")',
    '        backend.send_message("standard", "same body")',
    '    result["fifo"] = len(backend.get_queue("q.fifo")._messages)',
    '    result["standard"] = len(backend.get_queue("standard")._messages)',
    '    result["computed"] = computed[0]',
    '    result["attributesAfter"] = backend.get_queue("standard").attributes["ApproximateNumberOfMessages"]',
  ];

  it('SendMessage still deduplicates by content on a FIFO queue and leaves the full attributes in place afterwards, without computing them', async () => {
    const stock = await withSqsBackend([], sendToAFifoQueueWithContentBasedDeduplication);
    const patched = await withSqsBackend(['install_cheap_send_message'], sendToAFifoQueueWithContentBasedDeduplication);

    expect(stock).toMatchObject({ fifo: 1, standard: 3, attributesAfter: 3 });
    expect(patched).toMatchObject({ fifo: 1, standard: 3, attributesAfter: 3 });
    expect(stock.computed).toBeGreaterThan(0);
    expect(patched.computed).toBe(0);
  }, 60_000);
});

async function readShardIds(streamArn: string): Promise<string[]> {
  const { StreamDescription } = await streamsClient().send(new DescribeStreamCommand({ StreamArn: streamArn }));
  return (StreamDescription?.Shards ?? []).map((shard) => shard.ShardId ?? '');
}
