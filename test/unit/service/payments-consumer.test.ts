import { describe, expect, it } from '@jest/globals';
import { newEnvelope } from '../../../lambdas/dualwrite/envelope';
import { makePaymentsConsumer } from '../../../lambdas/service/payments/payments-consumer';
import { capturePayment, MalformedPaymentEventError, OrderStatusRaceError } from '../../../lambdas/service/payments/payment-use-cases';
import { InMemoryPersistenceLayer } from '../consumer/support/in-memory-persistence-layer';
import { lambdaContext, sqsEventOf, sqsRecordOf } from '../consumer/support/sqs-events';
import { placeNewOrder } from '../../../lambdas/service/orders/order';
import { InMemoryPaymentRepository, InMemoryStore, silentLogger } from './support/in-memory-repositories';

const requested = (overrides: Record<string, unknown> = {}) =>
  newEnvelope({
    type: 'PaymentRequested',
    source: 'dualwrite.payments',
    aggregateType: 'Payment',
    aggregateId: 'p-1',
    aggregateVersion: 1,
    correlationId: 'req-pay',
    data: { paymentId: 'p-1', orderId: 'o-1', amountCents: 500, ...overrides },
  });

const clock = () => new Date('2026-11-27T10:00:00.000Z');

/** A store holding order o-1, PLACED, or CANCELLED after the payment was requested. */
function storeWithOrder(status: 'PLACED' | 'CANCELLED' = 'PLACED'): InMemoryStore {
  const store = new InMemoryStore();
  const order = placeNewOrder({ orderId: 'o-1', customerId: 'c', items: [{ sku: 'A', quantity: 1, unitPriceCents: 500 }] }, clock());
  store.orders.set('o-1', status === 'PLACED' ? order : { ...order, status, version: 2 });
  return store;
}

describe('capturePayment', () => {
  it('writes the payment CAPTURED at version 2 and PaymentCaptured caused by the request', async () => {
    const store = storeWithOrder();
    const request = requested();

    expect(await capturePayment({ payments: new InMemoryPaymentRepository(store), clock }, request)).toBe('captured');

    expect(store.payments.get('p-1')).toMatchObject({ paymentId: 'p-1', orderId: 'o-1', amountCents: 500, status: 'CAPTURED', version: 2 });
    expect(store.outbox).toHaveLength(1);
    expect(store.outbox[0]).toMatchObject({
      type: 'PaymentCaptured',
      source: 'dualwrite.payments',
      aggregateType: 'Payment',
      aggregateId: 'p-1',
      aggregateVersion: 2,
      correlationId: 'req-pay',
      causationId: request.id,
    });
  });

  it('acknowledges a second request for the same payment without writing', async () => {
    const store = storeWithOrder();
    const payments = new InMemoryPaymentRepository(store);
    await capturePayment({ payments, clock }, requested());

    expect(await capturePayment({ payments, clock }, requested())).toBe('already-settled');
    expect(store.outbox).toHaveLength(1);
  });

  it('rejects the payment with PaymentRejected when the order was cancelled after the request', async () => {
    const store = storeWithOrder('CANCELLED');
    const request = requested();

    expect(await capturePayment({ payments: new InMemoryPaymentRepository(store), clock }, request)).toBe('rejected');

    expect(store.payments.get('p-1')).toMatchObject({ paymentId: 'p-1', orderId: 'o-1', status: 'REJECTED', version: 2, reason: 'ORDER_NOT_PLACED' });
    expect(store.outbox.map((event) => event.type)).toEqual(['PaymentRejected']);
    expect(store.outbox[0]).toMatchObject({ aggregateId: 'p-1', aggregateVersion: 2, causationId: request.id, data: { orderId: 'o-1', reason: 'ORDER_NOT_PLACED' } });
  });

  it('a rejected payment stays rejected when the request is delivered again', async () => {
    const store = storeWithOrder('CANCELLED');
    const payments = new InMemoryPaymentRepository(store);
    await capturePayment({ payments, clock }, requested());

    expect(await capturePayment({ payments, clock }, requested())).toBe('already-settled');
    expect(store.outbox.map((event) => event.type)).toEqual(['PaymentRejected']);
  });

  it('retries (throws) when the order flips status between the capture and the rejection attempt', async () => {
    // PLACED when the capture was tried, no longer PLACED when the rejection was: a store that disagrees with both.
    const attempts: string[] = [];
    const flipping = {
      settle: async (payment: { status: string }) => {
        attempts.push(payment.status);
        return 'order-disagrees' as const;
      },
    };
    await expect(capturePayment({ payments: flipping, clock }, requested())).rejects.toThrow(OrderStatusRaceError);
    expect(attempts).toEqual(['CAPTURED', 'REJECTED']);
  });

  it('ignores other event types', async () => {
    const store = new InMemoryStore();
    const other = { ...requested(), type: 'PaymentCaptured' };
    expect(await capturePayment({ payments: new InMemoryPaymentRepository(store), clock }, other)).toBe('ignored');
    expect(store.writes).toEqual([]);
  });

  it.each([{ paymentId: 'other' }, { orderId: '' }, { amountCents: 0 }, { amountCents: '5' }])('refuses malformed data %j', async (data) => {
    const store = new InMemoryStore();
    await expect(capturePayment({ payments: new InMemoryPaymentRepository(store), clock }, requested(data))).rejects.toThrow(MalformedPaymentEventError);
    expect(store.writes).toEqual([]);
  });
});

describe('makePaymentsConsumer', () => {
  it('captures once although the request is delivered twice', async () => {
    const store = storeWithOrder();
    const consumer = makePaymentsConsumer(
      { payments: new InMemoryPaymentRepository(store), clock },
      { persistenceStore: new InMemoryPersistenceLayer(), logger: silentLogger },
    );
    const request = requested();

    const first = await consumer(sqsEventOf(sqsRecordOf(request)), lambdaContext());
    const second = await consumer(sqsEventOf(sqsRecordOf(request)), lambdaContext());

    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(store.payments.size).toBe(1);
    expect(store.outbox.filter((event) => event.type === 'PaymentCaptured')).toHaveLength(1);
  });
});
