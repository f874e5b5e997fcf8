import { type EventEnvelope, newEnvelope } from '../../../exports/runtime';
import { IllegalTransitionError, NotFoundError, VersionConflictError } from '../errors';
import { getOrder } from '../orders/order-use-cases';
import type { OrderRepository } from '../orders/order-repository';
import { acceptOwnEarlierCommit, type RequestContext, type UseCaseEnvironment } from '../use-case-context';
import {
  PAYMENT_CACHE_TTL_SECONDS,
  PAYMENT_REJECTED_ORDER_NOT_PLACED,
  paymentCapturedEvent,
  paymentRejectedEvent,
  paymentRequestedEvent,
  type CapturedPayment,
  type PaymentView,
  type RejectedPayment,
} from './payment';
import type { PaymentRepository } from './payment-repository';
import type { RequestPaymentCommand } from './payment-requests';

export interface PaymentUseCaseDependencies extends UseCaseEnvironment {
  orders: OrderRepository;
  payments: PaymentRepository;
}

/**
 * Listen to yourself: the command writes only the event (plus a cache item so that the caller can
 * read its own write at once); the payments consumer, hearing the event, writes the payment.
 *
 * When the command is refused and its payment id was requested already, the id came from an
 * `Idempotency-Key` and this is the same command running again (its first run committed, its answer
 * was lost; the order may have been cancelled since): the same command gets the first answer and
 * writes nothing, another command under that key is IdempotencyKeyReusedError.
 */
export async function requestPayment(
  deps: PaymentUseCaseDependencies,
  orderId: string,
  command: RequestPaymentCommand,
  request: RequestContext,
): Promise<{ paymentId: string; status: 'PENDING' }> {
  const paymentId = deps.newId();
  const answer = { paymentId, status: 'PENDING' } as const;
  try {
    const order = await getOrder(deps, orderId);
    if (order.status !== 'PLACED') {
      throw new IllegalTransitionError(`order ${orderId} is ${order.status}; payments are taken for PLACED orders only`);
    }
    const now = deps.clock();
    const payment = { paymentId, orderId, amountCents: command.amountCents };
    const event = newEnvelope(paymentRequestedEvent(payment, request.correlationId), now);
    const cacheExpiresAt = new Date(now.getTime() + PAYMENT_CACHE_TTL_SECONDS * 1000);
    await deps.payments.request(payment, { orderId, version: order.version }, event, cacheExpiresAt);
  } catch (error: unknown) {
    if (!(error instanceof IllegalTransitionError || error instanceof VersionConflictError)) throw error;
    acceptOwnEarlierCommit(
      error,
      await deps.payments.findRequest(paymentId),
      (earlier) => earlier.orderId === orderId && earlier.amountCents === command.amountCents,
      `payment ${paymentId} was requested`,
    );
  }
  return answer;
}

export async function getPayment(deps: Pick<PaymentUseCaseDependencies, 'payments' | 'clock'>, paymentId: string): Promise<PaymentView> {
  const view = await deps.payments.findView(paymentId, deps.clock());
  if (view === undefined) throw new NotFoundError(`payment ${paymentId} does not exist`);
  return view;
}

/** A `PaymentRequested` whose data is not what this service writes: the record fails and ends in the DLQ. */
export class MalformedPaymentEventError extends Error {
  constructor(eventId: string, reason: string) {
    super(`PaymentRequested ${eventId} is malformed: ${reason}`);
    this.name = 'MalformedPaymentEventError';
  }
}

export type CaptureOutcome = 'captured' | 'rejected' | 'already-settled' | 'ignored';

/** The order said neither "capture" nor "reject": it changed status twice while the consumer ran. The record is retried. */
export class OrderStatusRaceError extends Error {
  constructor(paymentId: string, orderId: string) {
    super(`payment ${paymentId}: order ${orderId} changed status while the payment was settled; retrying`);
    this.name = 'OrderStatusRaceError';
  }
}

/**
 * The payments consumer's use case: on `PaymentRequested`, write the payment with `PaymentCaptured`
 * while the order is still PLACED, or, when the order was cancelled after the command checked it,
 * write it REJECTED with `PaymentRejected`. Either write checks the order in its own transaction.
 */
export async function capturePayment(
  deps: { payments: Pick<PaymentRepository, 'settle'>; clock: () => Date },
  requested: EventEnvelope,
): Promise<CaptureOutcome> {
  if (requested.type !== 'PaymentRequested') return 'ignored';
  const { paymentId, orderId, amountCents } = requested.data;
  if (typeof paymentId !== 'string' || paymentId !== requested.aggregateId) {
    throw new MalformedPaymentEventError(requested.id, 'data.paymentId must equal aggregateId');
  }
  if (typeof orderId !== 'string' || orderId.length === 0) throw new MalformedPaymentEventError(requested.id, 'data.orderId is missing');
  if (typeof amountCents !== 'number' || !Number.isSafeInteger(amountCents) || amountCents < 1) {
    throw new MalformedPaymentEventError(requested.id, 'data.amountCents must be a positive integer');
  }
  const now = deps.clock();
  const captured: CapturedPayment = { paymentId, orderId, amountCents, status: 'CAPTURED', version: 2, capturedAt: now.toISOString() };
  const capture = await deps.payments.settle(captured, newEnvelope(paymentCapturedEvent(captured, requested), now));
  if (capture === 'settled') return 'captured';
  if (capture === 'already-settled') return 'already-settled';
  const rejected: RejectedPayment = {
    paymentId,
    orderId,
    amountCents,
    status: 'REJECTED',
    version: 2,
    rejectedAt: now.toISOString(),
    reason: PAYMENT_REJECTED_ORDER_NOT_PLACED,
  };
  const rejection = await deps.payments.settle(rejected, newEnvelope(paymentRejectedEvent(rejected, requested), now));
  if (rejection === 'settled') return 'rejected';
  if (rejection === 'already-settled') return 'already-settled';
  throw new OrderStatusRaceError(paymentId, orderId);
}
