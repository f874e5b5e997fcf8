/**
 * Outbox items past their TTL (issue 4, scenario 5), on the emulator. moto ignores TTL; the local
 * runtime's sweeper (`local/ttl-sweeper.ts`) deletes expired items as DynamoDB's TTL would, and a
 * test runs one sweep of it on demand. An item written eight days ago with the writer's default
 * seven-day TTL is gone after the sweep; a redrive of its time window then finds nothing left to
 * republish, and says so.
 */
import { describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '../../../lambdas/dualwrite/envelope';
import { republishOutboxItems } from '../../../lambdas/dualwrite/relay/redrive';
import { writeWithOutbox } from '../../../lambdas/dualwrite/transactional-outbox-writer';
import { orderEvent, SOURCE } from '../relay/support';
import { silentLog } from '../../../local/log';
import { TtlDeletions } from '../../../local/ttl-deletions';
import { TtlSweeper } from '../../../local/ttl-sweeper';
import { createOutboxTable, documentClient, dynamoClient, getItem, receiveAll, uniqueName } from '../support/aws';
import { pipelineFor } from './support';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Order version 1 and its event, written at `writtenAt` with the writer's default outbox TTL. */
async function placeOrderAt(tableName: string, orderId: string, writtenAt: Date): Promise<EventEnvelope> {
  const envelope = orderEvent(orderId, 1, writtenAt);
  const pk = `ORDER#${orderId}`;
  await writeWithOutbox(documentClient(), {
    tableName,
    writes: [{ Put: { TableName: tableName, Item: { pk, sk: 'STATE', orderId, version: 1 }, ConditionExpression: 'attribute_not_exists(pk)' } }],
    events: [{ partitionKey: pk, envelope }],
    now: writtenAt,
  });
  return envelope;
}

async function itemExists(tableName: string, pk: string, sk: string): Promise<boolean> {
  return (await getItem(tableName, { pk, sk })) !== undefined;
}

describe('outbox items past their TTL', () => {
  it('are gone after a TTL sweep, and republishing their window reports that nothing remains', async () => {
    const { tableName } = await createOutboxTable(uniqueName('outbox-ttl'));
    const pipeline = await pipelineFor(tableName, SOURCE);
    const eightDaysAgo = new Date(Date.now() - 8 * DAY_MS);
    await placeOrderAt(tableName, 'old-1', eightDaysAgo);
    await placeOrderAt(tableName, 'old-2', new Date(eightDaysAgo.getTime() + 60_000));
    await placeOrderAt(tableName, 'recent', new Date());

    const sweeper = new TtlSweeper({
      tables: [{ logicalId: 'Table', tableName, ttlAttribute: 'expiresAt', keyAttributes: ['pk', 'sk'], hasStream: true }],
      dynamodb: dynamoClient(),
      deletions: new TtlDeletions(),
      log: silentLog,
      intervalMs: 0,
    });
    expect(await sweeper.sweep()).toEqual({ deleted: 2, deletedByTable: { [tableName]: 2 }, rewritten: 0 });

    expect(await itemExists(tableName, 'ORDER#old-2', 'OUTBOX#0000000001')).toBe(false);
    expect(await itemExists(tableName, 'ORDER#old-1', 'OUTBOX#0000000001')).toBe(false);
    expect(await itemExists(tableName, 'ORDER#old-1', 'STATE')).toBe(true);
    expect(await itemExists(tableName, 'ORDER#recent', 'OUTBOX#0000000001')).toBe(true);

    const report = await republishOutboxItems({
      ...pipeline.redriveOptions(),
      from: new Date(eightDaysAgo.getTime() - 60_000),
      to: new Date(eightDaysAgo.getTime() + 120_000),
    });

    expect(report).toEqual({ found: 0, republished: 0, failed: 0, unsettled: 0, skipped: [] });
    expect(await receiveAll(pipeline.queueUrl, { expected: 1, timeoutMs: 1_000 })).toEqual([]);
  });
});
