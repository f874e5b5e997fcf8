import type { EventEnvelope } from '../../../exports/runtime';
import type { Order, OrderStatus } from './order';

/** What the order use cases need from storage (the port; `dynamodb-order-repository.ts` is the adapter). */
export interface OrderRepository {
  findById(orderId: string): Promise<Order | undefined>;
  /** Writes a new order and its event atomically. Throws VersionConflictError if the order exists. */
  create(order: Order, event: EventEnvelope): Promise<void>;
  /**
   * Writes the changed order and its event atomically, only while the stored order still has the
   * `expected` version and status. Throws VersionConflictError otherwise; nothing is written then.
   */
  update(order: Order, expected: { version: number; status: OrderStatus }, event: EventEnvelope): Promise<void>;
}
