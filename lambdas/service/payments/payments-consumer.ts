import { type IdempotentEventConsumerHandler, type IdempotentEventConsumerOptions, makeIdempotentEventConsumer } from '../../../exports/runtime';
import type { PaymentRepository } from './payment-repository';
import { capturePayment, type CaptureOutcome } from './payment-use-cases';

/** Idempotency keys of this consumer: it shares the idempotency table with the timeline consumer. */
export const PAYMENTS_CONSUMER_KEY_PREFIX = 'payments-consumer';

/** Listens to the service's own `PaymentRequested` and writes the payment with `PaymentCaptured`, or `PaymentRejected` when the order was cancelled meanwhile. */
export function makePaymentsConsumer(
  deps: { payments: Pick<PaymentRepository, 'settle'>; clock?: () => Date },
  options: IdempotentEventConsumerOptions = {},
): IdempotentEventConsumerHandler {
  const clock = deps.clock ?? (() => new Date());
  return makeIdempotentEventConsumer<CaptureOutcome>(async (event) => capturePayment({ payments: deps.payments, clock }, event.detail), {
    keyPrefix: PAYMENTS_CONSUMER_KEY_PREFIX,
    ...options,
  });
}
