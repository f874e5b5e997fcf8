import type { EventEnvelope, NewEventInput } from '../../../exports/runtime';

export const PAYMENT_EVENT_SOURCE = 'dualwrite.payments';
export const PAYMENT_AGGREGATE_TYPE = 'Payment';
/** The write-through cache item answers reads until the consumer has written the payment. */
export const PAYMENT_CACHE_TTL_SECONDS = 24 * 60 * 60;

export type PaymentStatus = 'PENDING' | 'CAPTURED' | 'REJECTED';

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

/** Why the consumer refused to capture: the order was no longer PLACED when the consumer heard the request. */
export const PAYMENT_REJECTED_ORDER_NOT_PLACED = 'ORDER_NOT_PLACED';

/** The consumer's other outcome: the order was cancelled between the command and the capture. */
export interface RejectedPayment extends PaymentRequest {
  status: 'REJECTED';
  /** Version 2, as a capture would have been: one payment settles once, either way. */
  version: 2;
  rejectedAt: string;
  reason: typeof PAYMENT_REJECTED_ORDER_NOT_PLACED;
}

/** The payment entity the consumer writes: captured or rejected. */
export type SettledPayment = CapturedPayment | RejectedPayment;

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
  return settledEvent('PaymentCaptured', payment, cause);
}

export function paymentRejectedEvent(payment: RejectedPayment, cause: EventEnvelope): NewEventInput {
  return settledEvent('PaymentRejected', payment, cause, { reason: payment.reason });
}

function settledEvent(type: 'PaymentCaptured' | 'PaymentRejected', payment: SettledPayment, cause: EventEnvelope, extra: Record<string, string> = {}): NewEventInput {
  return {
    type,
    source: PAYMENT_EVENT_SOURCE,
    aggregateType: PAYMENT_AGGREGATE_TYPE,
    aggregateId: payment.paymentId,
    aggregateVersion: payment.version,
    correlationId: cause.correlationId,
    causationId: cause.id,
    data: { paymentId: payment.paymentId, orderId: payment.orderId, amountCents: payment.amountCents, ...extra },
  };
}
