import { newEnvelope } from '../../../exports/runtime';
import { NotFoundError, VersionConflictError } from '../errors';
import { acceptOwnEarlierCommit, type RequestContext, type UseCaseEnvironment } from '../use-case-context';
import { cancelled, orderCancelledEvent, orderPlacedEvent, placeNewOrder, type Order, type OrderStatus } from './order';
import type { OrderRepository } from './order-repository';
import type { CancelOrderCommand, PlaceOrderCommand } from './order-requests';

export interface OrderUseCaseDependencies extends UseCaseEnvironment {
  orders: OrderRepository;
}

export interface OrderSummary {
  orderId: string;
  status: OrderStatus;
  version: number;
}

/**
 * Order and `OrderPlaced` in one transaction (transactional outbox).
 *
 * When the order's id exists already, the id came from an `Idempotency-Key` and this is the same
 * command running again (its first run committed, its answer was lost): the same command gets the
 * first answer and writes nothing, another command under that key is IdempotencyKeyReusedError.
 */
export async function placeOrder(
  deps: OrderUseCaseDependencies,
  command: PlaceOrderCommand,
  request: RequestContext,
): Promise<OrderSummary & { totalCents: number }> {
  const now = deps.clock();
  const order = placeNewOrder({ orderId: deps.newId(), customerId: command.customerId, items: command.items }, now);
  // Built before any write: an event that could never be published refuses the command here.
  const event = newEnvelope(orderPlacedEvent(order, request.correlationId), now);
  const answer = { orderId: order.orderId, status: order.status, version: order.version, totalCents: order.totalCents };
  try {
    await deps.orders.create(order, event);
  } catch (error: unknown) {
    if (!(error instanceof VersionConflictError)) throw error;
    acceptOwnEarlierCommit(error, await deps.orders.findById(order.orderId), (existing) => placedBy(existing, command), `order ${order.orderId} was placed`);
  }
  return answer;
}

/** Whether `order` is what `command` places: the same customer and the same lines, in order. */
function placedBy(order: Order, command: PlaceOrderCommand): boolean {
  return (
    order.customerId === command.customerId &&
    order.items.length === command.items.length &&
    order.items.every(
      (line, index) =>
        line.sku === command.items[index]?.sku &&
        line.quantity === command.items[index]?.quantity &&
        line.unitPriceCents === command.items[index]?.unitPriceCents,
    )
  );
}

export async function getOrder(deps: Pick<OrderUseCaseDependencies, 'orders'>, orderId: string): Promise<Order> {
  const order = await deps.orders.findById(orderId);
  if (order === undefined) throw new NotFoundError(`order ${orderId} does not exist`);
  return order;
}

/**
 * Order update and `OrderCancelled` in one transaction, guarded by the version and status that
 * were read: of two racing cancels exactly one commits, the other gets a VersionConflictError.
 */
export async function cancelOrder(
  deps: OrderUseCaseDependencies,
  orderId: string,
  command: CancelOrderCommand,
  request: RequestContext,
): Promise<OrderSummary> {
  const order = await getOrder(deps, orderId);
  const now = deps.clock();
  const next = cancelled(order, command.reason, now);
  if (command.expectedVersion !== undefined && command.expectedVersion !== order.version) {
    throw new VersionConflictError(`order ${orderId} is at version ${order.version}, not ${command.expectedVersion}`);
  }
  const event = newEnvelope(orderCancelledEvent(next, request.correlationId), now);
  await deps.orders.update(next, { version: order.version, status: order.status }, event);
  return { orderId: next.orderId, status: next.status, version: next.version };
}
