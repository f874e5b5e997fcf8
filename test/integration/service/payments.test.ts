/**
 * Listen to yourself on the emulator: the command writes only PaymentRequested and the cache item;
 * reads answer from the cache until the payments consumer (with its real DynamoDB idempotency
 * store) has heard the event and written the payment with PaymentCaptured.
 */
import { describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '../../../lambdas/dualwrite/envelope';
import { DynamoDbPaymentRepository } from '../../../lambdas/service/payments/dynamodb-payment-repository';
import { makePaymentsConsumer } from '../../../lambdas/service/payments/payments-consumer';
import { DynamoDbTimelineRepository } from '../../../lambdas/service/timeline/dynamodb-timeline-repository';
import { makeTimelineConsumer } from '../../../lambdas/service/timeline/timeline-consumer';
import { lambdaContext, sqsEventOf, sqsRecordOf } from '../../unit/consumer/support/sqs-events';
import { apiEvent, parseResponse } from '../../unit/service/support/api-events';
import { createIdempotencyTable, dynamoPersistence, silentLogger } from '../consumer/support';
import { documentClient } from '../support/aws';
import { outboxEnvelopes, partitionItems, serviceOnFreshTable, type ServiceUnderTest } from './support';

async function requestPaymentOnNewOrder(service: ServiceUnderTest, amountCents = 700) {
  const placed = parseResponse(
    await service.api(apiEvent({ method: 'POST', resource: '/orders', body: { customerId: 'c', items: [{ sku: 'A', quantity: 1, unitPriceCents: 700 }] } })),
  );
  const orderId = placed.json.orderId as string;
  const accepted = parseResponse(
    await service.api(
      apiEvent({ method: 'POST', resource: '/orders/{orderId}/payments', pathParameters: { orderId }, body: { amountCents }, requestId: 'req-pay' }),
    ),
  );
  const paymentId = accepted.json.paymentId as string;
  const [requested] = await outboxEnvelopes(service.tableName, `PAYMENT#${paymentId}`);
  return { orderId, paymentId, accepted, requested: requested as EventEnvelope };
}

async function paymentsConsumerFor(service: ServiceUnderTest, idempotencyTableName?: string) {
  return makePaymentsConsumer(
    { payments: new DynamoDbPaymentRepository(documentClient(), service.tableName) },
    { persistenceStore: dynamoPersistence(idempotencyTableName ?? (await createIdempotencyTable())), logger: silentLogger },
  );
}

const getPayment = (service: ServiceUnderTest, paymentId: string) =>
  service.api(apiEvent({ method: 'GET', resource: '/payments/{paymentId}', pathParameters: { paymentId } })).then(parseResponse);

describe('payments on the emulator (listen to yourself)', () => {
  it('answers from the cache before the consumer runs, and from the table after it captured the payment', async () => {
    const service = await serviceOnFreshTable('payments-flow');
    const { orderId, paymentId, accepted, requested } = await requestPaymentOnNewOrder(service);

    // The consumer has not run: the command wrote no payment entity, only the event and the cache.
    const beforeConsumer = await getPayment(service, paymentId);
    const itemsBefore = await partitionItems(service.tableName, `PAYMENT#${paymentId}`);

    const consumer = await paymentsConsumerFor(service);
    const response = await consumer(sqsEventOf(sqsRecordOf(requested)), lambdaContext());
    const afterConsumer = await getPayment(service, paymentId);

    expect(accepted.statusCode).toBe(202);
    expect(accepted.json).toEqual({ paymentId, status: 'PENDING' });
    expect(itemsBefore.map((item) => item.sk)).toEqual(['CACHE', 'OUTBOX#0000000001']);
    expect(itemsBefore[0]?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 23 * 3600);
    expect(requested).toMatchObject({ type: 'PaymentRequested', aggregateType: 'Payment', aggregateId: paymentId, aggregateVersion: 1, correlationId: 'req-pay' });
    expect(beforeConsumer.statusCode).toBe(200);
    expect(beforeConsumer.json).toEqual({ paymentId, orderId, amountCents: 700, status: 'PENDING', source: 'cache' });

    expect(response.batchItemFailures).toEqual([]);
    expect(afterConsumer.statusCode).toBe(200);
    expect(afterConsumer.json).toEqual({ paymentId, orderId, amountCents: 700, status: 'CAPTURED', source: 'table' });
    const events = await outboxEnvelopes(service.tableName, `PAYMENT#${paymentId}`);
    expect(events.map((event) => event.type)).toEqual(['PaymentRequested', 'PaymentCaptured']);
    expect(events[1]).toMatchObject({ aggregateVersion: 2, causationId: requested.id, correlationId: 'req-pay' });
  });

  it('a PaymentRequested delivered twice makes one payment and one PaymentCaptured', async () => {
    const service = await serviceOnFreshTable('payments-duplicate');
    const { paymentId, requested } = await requestPaymentOnNewOrder(service);
    const consumer = await paymentsConsumerFor(service);

    const first = await consumer(sqsEventOf(sqsRecordOf(requested)), lambdaContext());
    const second = await consumer(sqsEventOf(sqsRecordOf(requested)), lambdaContext());

    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    const items = await partitionItems(service.tableName, `PAYMENT#${paymentId}`);
    expect(items.filter((item) => item.sk === 'STATE')).toHaveLength(1);
    expect((await outboxEnvelopes(service.tableName, `PAYMENT#${paymentId}`)).filter((event) => event.type === 'PaymentCaptured')).toHaveLength(1);
  });

  it('even past the idempotency store (a forgotten key), the entity guard keeps one payment and acknowledges', async () => {
    const service = await serviceOnFreshTable('payments-guard');
    const { paymentId, requested } = await requestPaymentOnNewOrder(service);
    // Two consumers with separate idempotency tables: the second has no memory of the first.
    const first = await (await paymentsConsumerFor(service))(sqsEventOf(sqsRecordOf(requested)), lambdaContext());
    const capturedAt = (await partitionItems(service.tableName, `PAYMENT#${paymentId}`)).find((item) => item.sk === 'STATE')?.capturedAt;

    const second = await (await paymentsConsumerFor(service))(sqsEventOf(sqsRecordOf(requested)), lambdaContext());

    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    const items = await partitionItems(service.tableName, `PAYMENT#${paymentId}`);
    expect(items.filter((item) => item.sk === 'STATE')).toHaveLength(1);
    expect(items.find((item) => item.sk === 'STATE')?.capturedAt).toBe(capturedAt);
    expect((await outboxEnvelopes(service.tableName, `PAYMENT#${paymentId}`)).filter((event) => event.type === 'PaymentCaptured')).toHaveLength(1);
  });

  it('a cancel that commits between the request and the capture makes the payment REJECTED with PaymentRejected, shown in its timeline', async () => {
    const service = await serviceOnFreshTable('payments-cancel-race');
    const { orderId, paymentId, requested } = await requestPaymentOnNewOrder(service);
    // The request checked a PLACED order; the cancel commits before the consumer hears the request.
    const cancel = parseResponse(await service.api(apiEvent({ method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId } })));
    const idempotencyTable = await createIdempotencyTable();

    const response = await (await paymentsConsumerFor(service, idempotencyTable))(sqsEventOf(sqsRecordOf(requested)), lambdaContext());
    const redelivered = await (await paymentsConsumerFor(service))(sqsEventOf(sqsRecordOf(requested)), lambdaContext());

    expect(cancel.statusCode).toBe(200);
    expect(response.batchItemFailures).toEqual([]);
    expect(redelivered.batchItemFailures).toEqual([]);
    expect((await getPayment(service, paymentId)).json).toEqual({ paymentId, orderId, amountCents: 700, status: 'REJECTED', source: 'table' });
    const events = await outboxEnvelopes(service.tableName, `PAYMENT#${paymentId}`);
    expect(events.map((event) => event.type)).toEqual(['PaymentRequested', 'PaymentRejected']);
    expect(events[1]).toMatchObject({ aggregateVersion: 2, causationId: requested.id, data: { orderId, reason: 'ORDER_NOT_PLACED' } });

    const timelineConsumer = makeTimelineConsumer(
      { timelines: new DynamoDbTimelineRepository(documentClient(), service.tableName) },
      { persistenceStore: dynamoPersistence(idempotencyTable), logger: silentLogger },
    );
    expect((await timelineConsumer(sqsEventOf(...events.map((event) => sqsRecordOf(event))), lambdaContext())).batchItemFailures).toEqual([]);
    const timeline = parseResponse(
      await service.api(apiEvent({ method: 'GET', resource: '/payments/{paymentId}/timeline', pathParameters: { paymentId } })),
    );
    expect(timeline.json.events.map((entry: { type: string }) => entry.type)).toEqual(['PaymentRequested', 'PaymentRejected']);
  });

  it('a cancel that commits after the capture leaves the payment CAPTURED (the capture came first)', async () => {
    const service = await serviceOnFreshTable('payments-capture-first');
    const { orderId, paymentId, requested } = await requestPaymentOnNewOrder(service);
    await (await paymentsConsumerFor(service))(sqsEventOf(sqsRecordOf(requested)), lambdaContext());
    await service.api(apiEvent({ method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId } }));

    expect((await getPayment(service, paymentId)).json.status).toBe('CAPTURED');
    expect((await outboxEnvelopes(service.tableName, `PAYMENT#${paymentId}`)).map((event) => event.type)).toEqual(['PaymentRequested', 'PaymentCaptured']);
  });

  it('refuses a payment on a cancelled order with 409 and writes nothing', async () => {
    const service = await serviceOnFreshTable('payments-cancelled', {});
    const placed = parseResponse(
      await service.api(apiEvent({ method: 'POST', resource: '/orders', body: { customerId: 'c', items: [{ sku: 'A', quantity: 1, unitPriceCents: 1 }] } })),
    );
    const orderId = placed.json.orderId as string;
    await service.api(apiEvent({ method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId } }));

    const response = parseResponse(
      await service.api(apiEvent({ method: 'POST', resource: '/orders/{orderId}/payments', pathParameters: { orderId }, body: { amountCents: 1 } })),
    );

    expect(response.statusCode).toBe(409);
    expect(response.json.error.code).toBe('ILLEGAL_TRANSITION');
  });

  it('GET of an unknown payment is 404', async () => {
    const service = await serviceOnFreshTable('payments-unknown');
    const response = await getPayment(service, 'NO-SUCH-PAYMENT');
    expect(response.statusCode).toBe(404);
    expect(response.json.error.code).toBe('NOT_FOUND');
  });
});
