import type { EventEnvelope } from '../../../exports/runtime';
import type { CapturedPayment, PaymentRequest, PaymentView } from './payment';

/** Storage port of the payments flow (listen to yourself); `dynamodb-payment-repository.ts` is the adapter. */
export interface PaymentRepository {
  /**
   * Writes only the `PaymentRequested` event and the write-through cache item, atomically, while
   * the order is still PLACED at `order.version` (checked, not written). No payment entity: the
   * consumer writes it when it hears the event. Throws VersionConflictError if the order changed.
   */
  request(payment: PaymentRequest, order: { orderId: string; version: number }, event: EventEnvelope, cacheExpiresAt: Date): Promise<void>;
  /** The payment entity if written, else the cache item if it has not expired at `now`, else undefined. */
  findView(paymentId: string, now: Date): Promise<PaymentView | undefined>;
  /**
   * Writes the payment entity and its `PaymentCaptured` event atomically.
   * @returns `already-captured` when the entity exists (a redelivered request): nothing is written
   */
  capture(payment: CapturedPayment, event: EventEnvelope): Promise<'captured' | 'already-captured'>;
}
