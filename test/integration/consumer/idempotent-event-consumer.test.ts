/**
 * The reusable consumer with the real Powertools DynamoDB persistence layer on the emulator, and
 * fed once through the real wiring: PutEvents → bus rule → SQS queue → the consumer.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS, makeIdempotentEventConsumer } from '../../../lambdas/dualwrite/consumer/idempotent-event-consumer';
import { toPutEventsEntry } from '../../../lambdas/dualwrite/envelope';
import { envelope, lambdaContext, sqsEventOf, sqsRecordOf } from '../../unit/consumer/support/sqs-events';
import { createQueueReceivingFromBus, eventBridgeClient, receiveAll, scanItems, uniqueName } from '../support/aws';
import { createIdempotencyTable, dynamoPersistence, silentLogger } from './support';

describe('idempotent event consumer with the DynamoDB persistence layer', () => {
  it('runs the handler once per detail.id and keeps a COMPLETED record for three days', async () => {
    const tableName = await createIdempotencyTable();
    const handled: string[] = [];
    const consumer = makeIdempotentEventConsumer(
      async (event) => {
        handled.push(event.detail.id);
        return { seen: event.detail.aggregateVersion };
      },
      { idempotencyTableName: tableName, persistenceStore: dynamoPersistence(tableName), keyPrefix: 'it', logger: silentLogger },
    );
    const event = envelope({ aggregateVersion: 4 });
    const before = Math.floor(Date.now() / 1000);

    const first = await consumer(sqsEventOf(sqsRecordOf(event)), lambdaContext());
    const again = await consumer(sqsEventOf(sqsRecordOf(event), sqsRecordOf(event)), lambdaContext());

    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    expect(handled).toEqual([event.id]);
    const items = await scanItems(tableName);
    expect(items).toHaveLength(1);
    expect(items[0]?.id).toMatch(/^it#/);
    expect(items[0]?.status).toBe('COMPLETED');
    expect(items[0]?.data).toEqual({ seen: 4 });
    expect(items[0]?.expiration).toBeGreaterThanOrEqual(before + DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS);
  });

  it('leaves no record for a failed event, so that the redelivery runs it again', async () => {
    const tableName = await createIdempotencyTable();
    let calls = 0;
    const consumer = makeIdempotentEventConsumer(
      async () => {
        if (++calls === 1) throw new Error('first attempt fails');
      },
      { persistenceStore: dynamoPersistence(tableName), keyPrefix: 'it', logger: silentLogger },
    );
    const event = envelope();

    const failed = await consumer(sqsEventOf(sqsRecordOf(event, 'attempt-1')), lambdaContext());
    const recordsAfterFailure = await scanItems(tableName);
    const retried = await consumer(sqsEventOf(sqsRecordOf(event, 'attempt-2')), lambdaContext());

    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: 'attempt-1' }]);
    expect(recordsAfterFailure).toEqual([]);
    expect(retried.batchItemFailures).toEqual([]);
    expect(calls).toBe(2);
  });

  it('consumes what EventBridge really delivers to SQS, and deduplicates a republished event', async () => {
    const tableName = await createIdempotencyTable();
    const busName = uniqueName('consumer-bus');
    const queueUrl = await createQueueReceivingFromBus({ busName, pattern: { source: ['test.things'] } });
    const event = envelope({ type: 'ThingHappened', data: { colour: 'blue' } });
    const handled: Array<{ id: string; detailType: string; data: unknown }> = [];
    const consumer = makeIdempotentEventConsumer(
      async (received) => {
        handled.push({ id: received.detail.id, detailType: received['detail-type'], data: received.detail.data });
      },
      { persistenceStore: dynamoPersistence(tableName), keyPrefix: 'it', logger: silentLogger },
    );

    // Published twice, as a relay retry or a redrive would: two EventBridge ids, one envelope id.
    for (let publish = 0; publish < 2; publish++) {
      const result = await eventBridgeClient().send(new PutEventsCommand({ Entries: [toPutEventsEntry(event, busName)] }));
      expect(result.FailedEntryCount ?? 0).toBe(0);
    }
    const messages = await receiveAll(queueUrl, { expected: 2 });
    const records: SQSRecord[] = messages.map((message) => ({ ...sqsRecordOf(event, message.MessageId), body: message.Body ?? '' }));
    const eventBridgeIds = new Set(records.map((record) => JSON.parse(record.body).id));
    const response = await consumer(sqsEventOf(...records), lambdaContext());

    expect(messages).toHaveLength(2);
    expect(eventBridgeIds.size).toBe(2);
    expect(response.batchItemFailures).toEqual([]);
    expect(handled).toEqual([{ id: event.id, detailType: 'ThingHappened', data: { colour: 'blue' } }]);
  });
});
