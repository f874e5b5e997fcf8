/**
 * The timeline consumer on the emulator: real timeline items, real idempotency table, and the
 * ordering guard of docs/design.md#consumers when SQS delivers versions out of order.
 */
import { describe, expect, it } from '@jest/globals';
import { newEnvelope, type EventEnvelope } from '../../../lambdas/dualwrite/envelope';
import { DynamoDbTimelineRepository } from '../../../lambdas/service/timeline/dynamodb-timeline-repository';
import { makeTimelineConsumer } from '../../../lambdas/service/timeline/timeline-consumer';
import { lambdaContext, sqsEventOf, sqsRecordOf } from '../../unit/consumer/support/sqs-events';
import { apiEvent, parseResponse } from '../../unit/service/support/api-events';
import { createIdempotencyTable, dynamoPersistence, silentLogger } from '../consumer/support';
import { documentClient } from '../support/aws';
import { outboxEnvelopes, partitionItems, serviceOnFreshTable, type ServiceUnderTest } from './support';

async function timelineConsumerFor(service: ServiceUnderTest) {
  return makeTimelineConsumer(
    { timelines: new DynamoDbTimelineRepository(documentClient(), service.tableName) },
    { persistenceStore: dynamoPersistence(await createIdempotencyTable()), logger: silentLogger },
  );
}

async function placedAndCancelledOrder(service: ServiceUnderTest): Promise<{ orderId: string; events: EventEnvelope[] }> {
  const placed = parseResponse(
    await service.api(apiEvent({ method: 'POST', resource: '/orders', body: { customerId: 'c', items: [{ sku: 'A', quantity: 1, unitPriceCents: 1 }] } })),
  );
  const orderId = placed.json.orderId as string;
  await service.api(apiEvent({ method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId } }));
  return { orderId, events: await outboxEnvelopes(service.tableName, `ORDER#${orderId}`) };
}

const timelineOf = (service: ServiceUnderTest, orderId: string) =>
  service.api(apiEvent({ method: 'GET', resource: '/orders/{orderId}/timeline', pathParameters: { orderId } })).then(parseResponse);

describe('timeline consumer on the emulator', () => {
  it('the same event delivered twice makes one timeline entry', async () => {
    const service = await serviceOnFreshTable('timeline-duplicate');
    const { orderId, events } = await placedAndCancelledOrder(service);
    const placed = events[0] as EventEnvelope;
    const consumer = await timelineConsumerFor(service);

    const first = await consumer(sqsEventOf(sqsRecordOf(placed)), lambdaContext());
    const second = await consumer(sqsEventOf(sqsRecordOf(placed)), lambdaContext());

    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    const timeline = await timelineOf(service, orderId);
    expect(timeline.statusCode).toBe(200);
    expect(timeline.json).toEqual({ orderId, events: [{ version: 1, type: 'OrderPlaced', eventId: placed.id }] });
  });

  it('version 2 before version 1: v2 fails alone, v1 applies, redelivered v2 applies → [1, 2]', async () => {
    const service = await serviceOnFreshTable('timeline-order');
    const { orderId, events } = await placedAndCancelledOrder(service);
    const [placed, cancelled] = events as [EventEnvelope, EventEnvelope];
    const consumer = await timelineConsumerFor(service);

    const early = await consumer(sqsEventOf(sqsRecordOf(cancelled, 'v2-first-delivery')), lambdaContext());
    const afterEarly = await timelineOf(service, orderId);
    const inOrder = await consumer(sqsEventOf(sqsRecordOf(placed, 'v1')), lambdaContext());
    const redelivered = await consumer(sqsEventOf(sqsRecordOf(cancelled, 'v2-redelivery')), lambdaContext());

    expect(early.batchItemFailures).toEqual([{ itemIdentifier: 'v2-first-delivery' }]);
    expect(afterEarly.json.events).toEqual([]);
    expect(inOrder.batchItemFailures).toEqual([]);
    expect(redelivered.batchItemFailures).toEqual([]);
    const timeline = await timelineOf(service, orderId);
    expect(timeline.json.events).toEqual([
      { version: 1, type: 'OrderPlaced', eventId: placed.id },
      { version: 2, type: 'OrderCancelled', eventId: cancelled.id },
    ]);
    expect((await partitionItems(service.tableName, `ORDER#${orderId}`)).find((item) => item.sk === 'TIMELINE')?.lastVersion).toBe(2);
  });

  it('in one batch, an early event fails alone while another aggregate goes on', async () => {
    const service = await serviceOnFreshTable('timeline-batch');
    const one = await placedAndCancelledOrder(service);
    const two = await placedAndCancelledOrder(service);
    const consumer = await timelineConsumerFor(service);

    const response = await consumer(
      sqsEventOf(sqsRecordOf(one.events[1] as EventEnvelope, 'one-v2'), sqsRecordOf(two.events[0] as EventEnvelope, 'two-v1'), sqsRecordOf(two.events[1] as EventEnvelope, 'two-v2')),
      lambdaContext(),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'one-v2' }]);
    expect((await timelineOf(service, two.orderId)).json.events.map((entry: { version: number }) => entry.version)).toEqual([1, 2]);
    expect((await timelineOf(service, one.orderId)).json.events).toEqual([]);
  });

  it('keeps timelines of payments and customers too, and 404s only when nothing exists', async () => {
    const service = await serviceOnFreshTable('timeline-generic');
    const consumer = await timelineConsumerFor(service);
    const customerEvent = newEnvelope({
      type: 'CustomerRegistered',
      source: 'dualwrite.customers',
      aggregateType: 'Customer',
      aggregateId: 'cust-9',
      aggregateVersion: 1,
      correlationId: 'c',
      data: {},
    });

    const response = await consumer(sqsEventOf(sqsRecordOf(customerEvent)), lambdaContext());
    const customerTimeline = parseResponse(
      await service.api(apiEvent({ method: 'GET', resource: '/customers/{customerId}/timeline', pathParameters: { customerId: 'cust-9' } })),
    );
    const unknownPayment = parseResponse(
      await service.api(apiEvent({ method: 'GET', resource: '/payments/{paymentId}/timeline', pathParameters: { paymentId: 'nope' } })),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(customerTimeline.json).toEqual({ customerId: 'cust-9', events: [{ version: 1, type: 'CustomerRegistered', eventId: customerEvent.id }] });
    expect((await partitionItems(service.tableName, 'CUSTOMER#cust-9')).map((item) => item.sk)).toEqual(['TIMELINE']);
    expect(unknownPayment.statusCode).toBe(404);
  });
});
