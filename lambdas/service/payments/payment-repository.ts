import type { EventEnvelope } from '../../../exports/runtime';
import type { PaymentRequest, PaymentView, SettledPayment } from './payment';

/** Storage port of the payments flow (listen to yourself); `dynamodb-payment-repository.ts` is the adapter. */
export interface PaymentRepository {
  /**
   * Writes only the `PaymentRequested` event and the write-through cache item, atomically, while
   * the order is still PLACED at `order.version` (checked, not written). No payment entity: the
   * consumer writes it when it hears the event. Throws VersionConflictError if the order changed,
   * or if this payment id was requested already (its cache item or its entity exists).
   */
  request(payment: PaymentRequest, order: { orderId: string; version: number }, event: EventEnvelope, cacheExpiresAt: Date): Promise<void>;
  /** What was requested under this payment id (from the entity or the cache item, expired or not), else undefined. */
  findRequest(paymentId: string): Promise<PaymentRequest | undefined>;
  /** The payment entity if written, else the cache item if it has not expired at `now`, else undefined. */
  findView(paymentId: string, now: Date): Promise<PaymentView | undefined>;
  /**
   * Writes the payment entity and its event (`PaymentCaptured` or `PaymentRejected`) atomically, in
   * the same transaction as a check of the order: a capture only while the order is PLACED, a
   * rejection only while it is not. What the command checked may no longer hold when the consumer
   * hears the event (a cancel in between); this check is what keeps a cancelled order unpaid.
   * @returns `settled`; `already-settled` when the entity exists (a redelivered request) and
   *   `order-disagrees` when the order's status does not allow this outcome: nothing is written
   */
  settle(payment: SettledPayment, event: EventEnvelope): Promise<SettleResult>;
}

export type SettleResult = 'settled' | 'already-settled' | 'order-disagrees';
