import type { NewEventInput } from '../../../exports/runtime';
import { IllegalTransitionError, ValidationError } from '../errors';

export const ORDER_EVENT_SOURCE = 'dualwrite.orders';
export const ORDER_AGGREGATE_TYPE = 'Order';

export type OrderStatus = 'PLACED' | 'CANCELLED';

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Order {
  orderId: string;
  customerId: string;
  items: OrderLine[];
  totalCents: number;
  status: OrderStatus;
  /** Aggregate version: 1 when placed, bumped by every command. */
  version: number;
  createdAt: string;
  updatedAt: string;
  cancelReason?: string;
}

export function totalCentsOf(items: readonly OrderLine[]): number {
  const total = items.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
  if (!Number.isSafeInteger(total)) throw new ValidationError('the order total is too large to represent exactly');
  return total;
}

export function placeNewOrder(input: { orderId: string; customerId: string; items: OrderLine[] }, now: Date): Order {
  const at = now.toISOString();
  return {
    orderId: input.orderId,
    customerId: input.customerId,
    items: input.items,
    totalCents: totalCentsOf(input.items),
    status: 'PLACED',
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
}

/** The cancelled order, one version up; refuses to cancel twice. */
export function cancelled(order: Order, reason: string | undefined, now: Date): Order {
  if (order.status !== 'PLACED') {
    throw new IllegalTransitionError(`order ${order.orderId} is ${order.status}; only a PLACED order can be cancelled`);
  }
  return {
    ...order,
    status: 'CANCELLED',
    version: order.version + 1,
    updatedAt: now.toISOString(),
    ...(reason !== undefined ? { cancelReason: reason } : {}),
  };
}

export function orderPlacedEvent(order: Order, correlationId: string): NewEventInput {
  return {
    type: 'OrderPlaced',
    source: ORDER_EVENT_SOURCE,
    aggregateType: ORDER_AGGREGATE_TYPE,
    aggregateId: order.orderId,
    aggregateVersion: order.version,
    correlationId,
    data: { customerId: order.customerId, items: order.items, totalCents: order.totalCents },
  };
}

export function orderCancelledEvent(order: Order, correlationId: string): NewEventInput {
  return {
    type: 'OrderCancelled',
    source: ORDER_EVENT_SOURCE,
    aggregateType: ORDER_AGGREGATE_TYPE,
    aggregateId: order.orderId,
    aggregateVersion: order.version,
    correlationId,
    data: order.cancelReason !== undefined ? { reason: order.cancelReason } : {},
  };
}
