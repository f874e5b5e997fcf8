import { describe, expect, it } from '@jest/globals';
import { toOutboxItem } from '../../../lambdas/dualwrite/outbox';
import { redriveFailedOutboxItems, republishOutboxItems } from '../../../lambdas/dualwrite/relay/redrive';
import { envelope, FakeEventBus, versionOf } from './fakes';

type Command = { constructor: { name: string }; input: Record<string, unknown> };

/** Answers Query/Scan from pages of items; records every command it is sent. */
class FakeTable {
  readonly sent: Array<{ name: string; input: Record<string, unknown> }> = [];
  constructor(private readonly pages: Array<Array<Record<string, unknown>>>) {}
  async send(command: Command): Promise<unknown> {
    const name = command.constructor.name;
    this.sent.push({ name, input: command.input });
    if (name === 'QueryCommand' || name === 'ScanCommand') {
      const page = (command.input.ExclusiveStartKey as { page?: number } | undefined)?.page ?? 0;
      const items = this.pages[page] ?? [];
      const limit = command.input.Limit as number | undefined;
      return { Items: limit === undefined ? items : items.slice(0, limit), LastEvaluatedKey: page + 1 < this.pages.length ? { page: page + 1 } : undefined };
    }
    return {};
  }
  updates() {
    return this.sent.filter((s) => s.name === 'UpdateCommand').map((s) => ({ key: s.input.Key, expression: s.input.UpdateExpression as string }));
  }
}

const failed = (aggregate: string, version: number) => ({
  ...toOutboxItem(`THING#${aggregate}`, envelope(version, { aggregateId: aggregate })),
  expiresAt: undefined,
  failedStatus: 'FAILED',
  failedAt: '2026-01-01T00:00:00.000Z',
  failureCode: 'MalformedDetail',
  failureMessage: 'x',
});

describe('redriveFailedOutboxItems', () => {
  it('republishes in (pk, sk) order across pages, clears each mark, and skips items without an envelope', async () => {
    const table = new FakeTable([
      [failed('b', 2), failed('a', 1)],
      [failed('b', 1), { pk: 'CUSTOMER#c', sk: 'FAILED#42', failedStatus: 'FAILED' }],
    ]);
    const bus = new FakeEventBus();
    const report = await redriveFailedOutboxItems({ documentClient: table as never, tableName: 't', publisher: bus, eventBusName: 'bus', now: () => new Date(0) });

    expect(report).toEqual({ found: 4, republished: 3, failed: 0, unsettled: 0, skipped: [{ key: { pk: 'CUSTOMER#c', sk: 'FAILED#42' }, reason: 'envelope must be an object' }] });
    expect(bus.delivered.map((e) => [JSON.parse(e.Detail).aggregateId, versionOf(e)])).toEqual([['a', 1], ['b', 1], ['b', 2]]);
    expect(table.sent[0].input).toMatchObject({ IndexName: 'FailedOutbox', KeyConditionExpression: 'failedStatus = :failed' });
    expect(table.updates()).toHaveLength(3);
    for (const update of table.updates()) expect(update.expression).toBe('SET expiresAt = :expiresAt REMOVE failedStatus, failedAt, failureCode, failureMessage');
  });

  it('stops reading at the limit', async () => {
    const table = new FakeTable([[failed('a', 1), failed('a', 2)], [failed('a', 3)]]);
    const report = await redriveFailedOutboxItems({ documentClient: table as never, tableName: 't', publisher: new FakeEventBus(), eventBusName: 'bus', limit: 2 });
    expect(report.found).toBe(2);
    expect(table.sent.filter((s) => s.name === 'QueryCommand')).toHaveLength(1);
  });

  it('leaves an item that fails again marked FAILED', async () => {
    const table = new FakeTable([[failed('a', 1)]]);
    const bus = new FakeEventBus((entries) => entries.map(() => ({ errorCode: 'NotAuthorizedForSourceException' })));
    const report = await redriveFailedOutboxItems({ documentClient: table as never, tableName: 't', publisher: bus, eventBusName: 'bus' });
    expect(report).toMatchObject({ republished: 0, failed: 1 });
    expect(table.updates().map((u) => u.expression)).toEqual([expect.stringMatching(/^SET failedStatus = :failedStatus/)]);
  });
});

describe('republishOutboxItems', () => {
  it('scans outbox items by envelope time and refuses an inverted window', async () => {
    const table = new FakeTable([[{ ...toOutboxItem('THING#a', envelope(1)) }]]);
    const report = await republishOutboxItems({
      documentClient: table as never,
      tableName: 't',
      publisher: new FakeEventBus(),
      eventBusName: 'bus',
      from: new Date('2026-01-01T00:00:00.000Z'),
      to: new Date('2026-01-02T00:00:00.000Z'),
    });
    expect(report).toMatchObject({ found: 1, republished: 1 });
    expect(table.sent[0].input.ExpressionAttributeValues).toEqual({ ':prefix': 'OUTBOX#', ':from': '2026-01-01T00:00:00.000Z', ':to': '2026-01-02T00:00:00.000Z' });
    expect(table.updates()).toEqual([]); // it was never marked FAILED: nothing to clear
    await expect(
      republishOutboxItems({ documentClient: table as never, tableName: 't', publisher: new FakeEventBus(), eventBusName: 'bus', from: new Date(2), to: new Date(1) }),
    ).rejects.toThrow(RangeError);
  });
});
