/**
 * The relay invoked twice on the same stream batch (issue 4, scenario 3), on the emulator: Lambda
 * runs a batch again after a timeout or a crash that came after PutEvents. Both runs publish, so
 * every event reaches the queue twice, each copy with its own EventBridge id and SQS message id but
 * the same `detail.id`; the consumer's effect happens once per event.
 */
import { describe, expect, it } from '@jest/globals';
import { ORDER_AGGREGATE_TYPE, ORDER_EVENT_SOURCE } from '../../../lambdas/service/orders/order';
import { TIMELINE_CONSUMER_KEY_PREFIX } from '../../../lambdas/service/timeline/timeline-consumer';
import { lambdaContext as relayContext } from '../relay/support';
import { serviceOnFreshTable } from '../service/support';
import { scanItems } from '../support/aws';
import {
  cancelOrderThroughApi,
  committedEvents,
  entriesOf,
  pipelineFor,
  placeOrderThroughApi,
  queueDepth,
  waitForQueueDepth,
} from './support';

describe('the relay run twice on the same batch', () => {
  it('puts two copies of each event on the queue, and the consumer applies each event once', async () => {
    const service = await serviceOnFreshTable('relay-twice');
    const pipeline = await pipelineFor(service.tableName, ORDER_EVENT_SOURCE);
    const orderIds = [await placeOrderThroughApi(service), await placeOrderThroughApi(service)];
    await cancelOrderThroughApi(service, orderIds[0] as string);
    const committed = await committedEvents(service, orderIds);
    const eventIds = [...committed.values()].flat().map((event) => event.id);
    expect(eventIds).toHaveLength(3);

    const batch = await pipeline.stream.next();
    const relay = await pipeline.relay();
    expect(await relay(batch, relayContext)).toEqual({ batchItemFailures: [] });
    expect(await relay(batch, relayContext)).toEqual({ batchItemFailures: [] });

    await waitForQueueDepth(pipeline.queueUrl, 6);
    const deliveries = (await pipeline.deliveries.drain()).flat();
    const firstDeliveries = deliveries.filter((delivery) => delivery.receiveCount === 1);
    expect(firstDeliveries).toHaveLength(6);
    for (const eventId of eventIds) {
      const copies = firstDeliveries.filter((delivery) => delivery.detail.id === eventId);
      expect(copies).toHaveLength(2);
      expect(new Set(copies.map((copy) => copy.eventBridgeId)).size).toBe(2);
      expect(new Set(copies.map((copy) => copy.messageId)).size).toBe(2);
    }
    expect(await queueDepth(pipeline.queueUrl)).toBe(0);

    for (const [orderId, events] of committed) {
      expect(await pipeline.timeline(ORDER_AGGREGATE_TYPE, orderId)).toEqual(entriesOf(events));
    }
    // One idempotency record per detail.id, not per copy: the second copy never reached the timeline code.
    const records = await scanItems(pipeline.idempotencyTableName);
    expect(records).toHaveLength(eventIds.length);
    expect(records.every((record) => record.status === 'COMPLETED' && record.data === 'applied' && String(record.id).startsWith(`${TIMELINE_CONSUMER_KEY_PREFIX}#`))).toBe(true);
  });
});
