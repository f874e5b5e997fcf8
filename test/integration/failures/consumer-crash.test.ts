/**
 * A consumer that dies after its side effect and before acknowledging (issue 4, scenario 2), on the
 * emulator: an order placed through the service's API, published by the real relay through a real
 * bus and rule to SQS, consumed by the real timeline consumer with the Powertools DynamoDB
 * idempotency store. The invocation fails once after the timeline entry is written; SQS delivers the
 * same message again. Only the observable effect is asserted: one timeline entry, and the retry is
 * acknowledged (the message leaves the queue).
 */
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { describe, expect, it } from '@jest/globals';
import { ORDER_AGGREGATE_TYPE, ORDER_EVENT_SOURCE } from '../../../lambdas/service/orders/order';
import type { TimelineRepository } from '../../../lambdas/service/timeline/timeline-repository';
import { makeTimelineConsumer } from '../../../lambdas/service/timeline/timeline-consumer';
import { lambdaContext } from '../../unit/consumer/support/sqs-events';
import { silentLogger } from '../consumer/support';
import { lambdaContext as relayContext } from '../relay/support';
import { outboxEnvelopes, serviceOnFreshTable, type ServiceUnderTest } from '../service/support';
import { dynamoClient, waitFor } from '../support/aws';
import { entriesOf, pipelineFor, placeOrderThroughApi, queueDepth, waitForQueueDepth, type Pipeline } from './support';

/** The real persistence layer, except that the first "save success" dies: the invocation ends after the effect. */
class DiesOnceBeforeSavingSuccess extends DynamoDBPersistenceLayer {
  private died = false;

  override async saveSuccess(...args: Parameters<DynamoDBPersistenceLayer['saveSuccess']>): Promise<void> {
    if (!this.died) {
      this.died = true;
      throw new Error('the invocation died after its effect, before its idempotency record was COMPLETED');
    }
    await super.saveSuccess(...args);
  }
}

/** The real repository, except that the first append's answer is lost after DynamoDB committed it. */
function losesFirstAppendAnswer(timelines: TimelineRepository): TimelineRepository {
  let lost = false;
  return {
    find: (aggregateType, aggregateId) => timelines.find(aggregateType, aggregateId),
    async append(aggregateType, aggregateId, previousVersion, entry) {
      const appended = await timelines.append(aggregateType, aggregateId, previousVersion, entry);
      if (!lost) {
        lost = true;
        throw new Error('socket hang up: the append committed, its answer never came back');
      }
      return appended;
    },
  };
}

/** An order placed through the API, its OrderPlaced relayed to the consumer's queue. */
async function placedOrderOnTheQueue(pipeline: Pipeline, service: ServiceUnderTest) {
  const orderId = await placeOrderThroughApi(service);
  const relay = await pipeline.relay();
  expect(await relay(await pipeline.stream.next(), relayContext)).toEqual({ batchItemFailures: [] });
  await waitForQueueDepth(pipeline.queueUrl, 1);
  return { orderId, events: await outboxEnvelopes(service.tableName, `ORDER#${orderId}`) };
}

describe('a consumer that dies after its effect and before acknowledging', () => {
  it('dies before its idempotency record is COMPLETED: the redelivered message makes no second entry and is acknowledged', async () => {
    const service = await serviceOnFreshTable('consumer-dies');
    const pipeline = await pipelineFor(service.tableName, ORDER_EVENT_SOURCE, {
      consumer: (timelines, idempotencyTableName) =>
        makeTimelineConsumer(
          { timelines },
          { persistenceStore: new DiesOnceBeforeSavingSuccess({ tableName: idempotencyTableName, awsSdkV3Client: dynamoClient() }), logger: silentLogger },
        ),
    });
    const { orderId, events } = await placedOrderOnTheQueue(pipeline, service);

    // The crashed invocation had 1 s left: its idempotency record stays IN_PROGRESS until then.
    const [crashed] = await pipeline.deliveries.pollOnce(lambdaContext(1_000));
    expect(crashed?.failed).toBe(true);
    expect(await pipeline.timeline(ORDER_AGGREGATE_TYPE, orderId)).toEqual(entriesOf(events));

    // Exactly once, by two guards in turn. While the crashed invocation could still be running, its
    // IN_PROGRESS idempotency record refuses the redelivery before the handler runs (the record
    // fails again, SQS keeps it). Once that in-progress expiry has passed, Powertools runs the
    // handler again, and the timeline's ordering guard sees version 1 ≤ lastVersion 1: a duplicate,
    // acknowledged without a second entry. SQS keeps redelivering until then, so the test polls.
    const retry = await waitFor(
      async () => {
        const [delivery] = await pipeline.deliveries.pollOnce();
        return delivery !== undefined && !delivery.failed && delivery;
      },
      { timeoutMs: 15_000 },
    );
    expect(retry.messageId).toBe(crashed?.messageId);
    expect(retry.receiveCount).toBeGreaterThan(1);
    expect(await pipeline.timeline(ORDER_AGGREGATE_TYPE, orderId)).toEqual(entriesOf(events));
    expect(await queueDepth(pipeline.queueUrl)).toBe(0);
  });

  it('loses the answer of its committed write: the redelivered message makes no second entry and is acknowledged', async () => {
    const service = await serviceOnFreshTable('consumer-lost-answer');
    const pipeline = await pipelineFor(service.tableName, ORDER_EVENT_SOURCE, {
      consumer: (timelines, idempotencyTableName) =>
        makeTimelineConsumer(
          { timelines: losesFirstAppendAnswer(timelines) },
          { persistenceStore: new DynamoDBPersistenceLayer({ tableName: idempotencyTableName, awsSdkV3Client: dynamoClient() }), logger: silentLogger },
        ),
    });
    const { orderId, events } = await placedOrderOnTheQueue(pipeline, service);

    const [failed] = await pipeline.deliveries.pollOnce();
    expect(failed?.failed).toBe(true);
    expect(await pipeline.timeline(ORDER_AGGREGATE_TYPE, orderId)).toEqual(entriesOf(events));

    // The handler threw, so Powertools deleted its IN_PROGRESS record: the idempotency store does
    // not stop the redelivery. The ordering guard does: version 1 ≤ lastVersion 1 is a duplicate.
    const [retry] = await pipeline.deliveries.pollOnce();
    expect(retry).toMatchObject({ messageId: failed?.messageId, failed: false });
    expect(await pipeline.timeline(ORDER_AGGREGATE_TYPE, orderId)).toEqual(entriesOf(events));
    expect(await queueDepth(pipeline.queueUrl)).toBe(0);
  });
});
