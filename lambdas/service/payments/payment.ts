import type { EventEnvelope, NewEventInput } from '../../../exports/runtime';

export const PAYMENT_EVENT_SOURCE = 'dualwrite.payments';
export const PAYMENT_AGGREGATE_TYPE = 'Payment';
/** The write-through cache item answers reads until the consumer has written the payment. */
export const PAYMENT_CACHE_TTL_SECONDS = 24 * 60 * 60;

export type PaymentStatus = 'PENDING' | 'CAPTURED';

export interface PaymentRequest {
  paymentId: string;
  orderId: string;
  amountCents: number;
}

export interface CapturedPayment extends PaymentRequest {
  status: 'CAPTURED';
  /** Version 1 is the request (the event only), version 2 the capture. */
  version: 2;
  capturedAt: string;
}

/** What GET /payments/{paymentId} answers: the payment entity, or else the still-fresh cache item. */
export interface PaymentView extends PaymentRequest {
  status: PaymentStatus;
  source: 'table' | 'cache';
}

export function paymentRequestedEvent(payment: PaymentRequest, correlationId: string): NewEventInput {
  return {
    type: 'PaymentRequested',
    source: PAYMENT_EVENT_SOURCE,
    aggregateType: PAYMENT_AGGREGATE_TYPE,
    aggregateId: payment.paymentId,
    aggregateVersion: 1,
    correlationId,
    data: { paymentId: payment.paymentId, orderId: payment.orderId, amountCents: payment.amountCents },
  };
}

export function paymentCapturedEvent(payment: CapturedPayment, cause: EventEnvelope): NewEventInput {
  return {
    type: 'PaymentCaptured',
    source: PAYMENT_EVENT_SOURCE,
    aggregateType: PAYMENT_AGGREGATE_TYPE,
    aggregateId: payment.paymentId,
    aggregateVersion: payment.version,
    correlationId: cause.correlationId,
    causationId: cause.id,
    data: { paymentId: payment.paymentId, orderId: payment.orderId, amountCents: payment.amountCents },
  };
}
