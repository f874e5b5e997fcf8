/**
 * EventBridge unavailable for a while (issue 4, scenario 1), on the emulator: orders written through
 * the service's API, the table's real stream, the real relay and PutEvents, a bus whose rule feeds
 * the timeline consumer's queue. The bus is deleted under the relay, so PutEvents fails as a whole
 * (ResourceNotFoundException: a client error, not retryable); the relay must lose nothing: it marks
 * no event FAILED (the events are fine, the bus is not) and names the first unpublished record, so
 * Lambda retries from there, and the outbox still holds every event for a redrive.
 */
import type { DynamoDBBatchResponse } from 'aws-lambda';
import { describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '../../../lambdas/dualwrite/envelope';
import { republishOutboxItems } from '../../../lambdas/dualwrite/relay/redrive';
import { ORDER_AGGREGATE_TYPE, ORDER_EVENT_SOURCE } from '../../../lambdas/service/orders/order';
import { failedOutboxItems, lambdaContext as relayContext } from '../relay/support';
import { serviceOnFreshTable } from '../service/support';
import { scanItems } from '../support/aws';
import {
  cancelOrderThroughApi,
  committedEvents,
  deleteBus,
  entriesOf,
  pipelineFor,
  placeOrderThroughApi,
  queueDepth,
  recreateBus,
  retryFromCheckpoint,
  waitForQueueDepth,
  type Pipeline,
} from './support';

/** Each order's timeline holds each committed event exactly once, in version order; one idempotency record per event. */
async function expectEveryEventOnceInOrder(pipeline: Pipeline, committed: Map<string, EventEnvelope[]>): Promise<void> {
  for (const [orderId, events] of committed) {
    expect(await pipeline.timeline(ORDER_AGGREGATE_TYPE, orderId)).toEqual(entriesOf(events));
  }
  const records = await scanItems(pipeline.idempotencyTableName);
  const eventCount = [...committed.values()].reduce((sum, events) => sum + events.length, 0);
  expect(records).toHaveLength(eventCount);
  expect(records.every((record) => record.status === 'COMPLETED')).toBe(true);
}

describe('EventBridge unavailable for a while', () => {
  it('the relay stops at the first record and marks nothing FAILED; once the bus is back, the retry from the checkpoint delivers every event once', async () => {
    const service = await serviceOnFreshTable('bus-down-retry');
    const pipeline = await pipelineFor(service.tableName, ORDER_EVENT_SOURCE);
    const orderIds = [await placeOrderThroughApi(service), await placeOrderThroughApi(service), await placeOrderThroughApi(service)];
    await cancelOrderThroughApi(service, orderIds[0] as string);
    await cancelOrderThroughApi(service, orderIds[2] as string);
    const committed = await committedEvents(service, orderIds);

    const outage = await deleteBus(pipeline.busName);
    const batch = await pipeline.stream.next();
    expect(batch.Records).toHaveLength(5);
    const relay = await pipeline.relay();
    const whileDown = await relay(batch, relayContext);

    expect(whileDown).toEqual({ batchItemFailures: [{ itemIdentifier: batch.Records[0]?.dynamodb?.SequenceNumber }] });
    expect(await failedOutboxItems(service.tableName)).toEqual([]);
    expect([...(await committedEvents(service, orderIds)).values()].flat()).toHaveLength(5);
    // Lambda retries while the bus is still gone: the same checkpoint, nothing skipped.
    const retryWhileDown: DynamoDBBatchResponse = await relay(retryFromCheckpoint(batch, whileDown), relayContext);
    expect(retryWhileDown).toEqual(whileDown);

    await recreateBus(outage);
    expect(await relay(retryFromCheckpoint(batch, retryWhileDown), relayContext)).toEqual({ batchItemFailures: [] });

    await waitForQueueDepth(pipeline.queueUrl, 5);
    const invocations = await pipeline.deliveries.drain();
    expect(invocations.flat().filter((delivery) => !delivery.failed)).toHaveLength(5);
    expect(await queueDepth(pipeline.queueUrl)).toBe(0);
    await expectEveryEventOnceInOrder(pipeline, committed);
  });

  it('when Lambda gives up on the batch, republishing the window from the outbox delivers every event, duplicates included, once in effect', async () => {
    const service = await serviceOnFreshTable('bus-down-redrive');
    const pipeline = await pipelineFor(service.tableName, ORDER_EVENT_SOURCE);
    const windowStart = new Date();
    const relay = await pipeline.relay();
    const orderIds = [await placeOrderThroughApi(service), await placeOrderThroughApi(service)];
    // Before the outage: both OrderPlaced go all the way to the timelines.
    expect(await relay(await pipeline.stream.next(), relayContext)).toEqual({ batchItemFailures: [] });
    await waitForQueueDepth(pipeline.queueUrl, 2);
    await pipeline.deliveries.drain();

    const outage = await deleteBus(pipeline.busName);
    await cancelOrderThroughApi(service, orderIds[0] as string);
    await cancelOrderThroughApi(service, orderIds[1] as string);
    orderIds.push(await placeOrderThroughApi(service));
    const batch = await pipeline.stream.next();
    expect(batch.Records).toHaveLength(3);
    // Every retry fails the same way; past MaximumRetryAttempts Lambda sends only the batch's
    // metadata to the stream DLQ (the records are not in it): the operator redrives from the outbox.
    expect(await relay(batch, relayContext)).toEqual({ batchItemFailures: [{ itemIdentifier: batch.Records[0]?.dynamodb?.SequenceNumber }] });
    expect(await failedOutboxItems(service.tableName)).toEqual([]);

    await recreateBus(outage);
    const report = await republishOutboxItems({ ...pipeline.redriveOptions(), from: windowStart, to: new Date() });
    expect(report).toEqual({ found: 5, republished: 5, failed: 0, unsettled: 0, skipped: [] });

    await waitForQueueDepth(pipeline.queueUrl, 5);
    const invocations = await pipeline.deliveries.drain();
    const delivered = invocations.flat().filter((delivery) => !delivery.failed);
    expect(delivered).toHaveLength(5);
    expect(await queueDepth(pipeline.queueUrl)).toBe(0);
    await expectEveryEventOnceInOrder(pipeline, await committedEvents(service, orderIds));
  });
});
