import { Logger } from '@aws-lambda-powertools/logger';
import type { EventEnvelope } from '../../../../lambdas/dualwrite/envelope';
import type { ApiDependencies } from '../../../../lambdas/service/api/app';
import type { Customer } from '../../../../lambdas/service/customers/customer';
import type { CustomerRepository } from '../../../../lambdas/service/customers/customer-repository';
import { NotFoundError, VersionConflictError } from '../../../../lambdas/service/errors';
import type { Order, OrderStatus } from '../../../../lambdas/service/orders/order';
import type { OrderRepository } from '../../../../lambdas/service/orders/order-repository';
import type { PaymentRequest, PaymentView, SettledPayment } from '../../../../lambdas/service/payments/payment';
import type { PaymentRepository, SettleResult } from '../../../../lambdas/service/payments/payment-repository';
import type { Timeline, TimelineEntry } from '../../../../lambdas/service/timeline/timeline';
import type { TimelineRepository } from '../../../../lambdas/service/timeline/timeline-repository';
import { InMemoryPersistenceLayer } from '../../consumer/support/in-memory-persistence-layer';

/** Everything the fakes hold, plus a log of every write they accepted ("bad input writes nothing"). */
export class InMemoryStore {
  readonly orders = new Map<string, Order>();
  readonly payments = new Map<string, SettledPayment>();
  readonly paymentCache = new Map<string, PaymentRequest & { expiresAt: Date }>();
  readonly customers = new Map<string, Customer>();
  readonly timelines = new Map<string, Timeline>();
  readonly outbox: EventEnvelope[] = [];
  readonly writes: string[] = [];
}

const copy = <T>(value: T): T => structuredClone(value);

export class InMemoryOrderRepository implements OrderRepository {
  constructor(private readonly store: InMemoryStore) {}

  async findById(orderId: string): Promise<Order | undefined> {
    const order = this.store.orders.get(orderId);
    return order === undefined ? undefined : copy(order);
  }

  async create(order: Order, event: EventEnvelope): Promise<void> {
    if (this.store.orders.has(order.orderId)) throw new VersionConflictError(`order ${order.orderId} exists`);
    this.store.orders.set(order.orderId, copy(order));
    this.store.outbox.push(event);
    this.store.writes.push(`create order ${order.orderId}`);
  }

  async update(order: Order, expected: { version: number; status: OrderStatus }, event: EventEnvelope): Promise<void> {
    const current = this.store.orders.get(order.orderId);
    if (current === undefined || current.version !== expected.version || current.status !== expected.status) {
      throw new VersionConflictError(`order ${order.orderId} changed`);
    }
    this.store.orders.set(order.orderId, copy(order));
    this.store.outbox.push(event);
    this.store.writes.push(`update order ${order.orderId}`);
  }
}

export class InMemoryPaymentRepository implements PaymentRepository {
  constructor(private readonly store: InMemoryStore) {}

  async request(payment: PaymentRequest, order: { orderId: string; version: number }, event: EventEnvelope, cacheExpiresAt: Date): Promise<void> {
    const current = this.store.orders.get(order.orderId);
    if (current === undefined || current.status !== 'PLACED' || current.version !== order.version) {
      throw new VersionConflictError(`order ${order.orderId} changed`);
    }
    if (this.store.paymentCache.has(payment.paymentId) || this.store.payments.has(payment.paymentId)) {
      throw new VersionConflictError(`payment ${payment.paymentId} exists`);
    }
    this.store.paymentCache.set(payment.paymentId, { ...payment, expiresAt: cacheExpiresAt });
    this.store.outbox.push(event);
    this.store.writes.push(`request payment ${payment.paymentId}`);
  }

  async findRequest(paymentId: string): Promise<PaymentRequest | undefined> {
    const found = this.store.payments.get(paymentId) ?? this.store.paymentCache.get(paymentId);
    return found === undefined ? undefined : { paymentId, orderId: found.orderId, amountCents: found.amountCents };
  }

  async findView(paymentId: string, now: Date): Promise<PaymentView | undefined> {
    const payment = this.store.payments.get(paymentId);
    if (payment !== undefined) {
      return { paymentId, orderId: payment.orderId, amountCents: payment.amountCents, status: payment.status, source: 'table' };
    }
    const cached = this.store.paymentCache.get(paymentId);
    if (cached !== undefined && cached.expiresAt.getTime() > now.getTime()) {
      return { paymentId, orderId: cached.orderId, amountCents: cached.amountCents, status: 'PENDING', source: 'cache' };
    }
    return undefined;
  }

  async settle(payment: SettledPayment, event: EventEnvelope): Promise<SettleResult> {
    if (this.store.payments.has(payment.paymentId)) return 'already-settled';
    const placed = this.store.orders.get(payment.orderId)?.status === 'PLACED';
    if (placed !== (payment.status === 'CAPTURED')) return 'order-disagrees';
    this.store.payments.set(payment.paymentId, copy(payment));
    this.store.outbox.push(event);
    this.store.writes.push(`${payment.status === 'CAPTURED' ? 'capture' : 'reject'} payment ${payment.paymentId}`);
    return 'settled';
  }
}

export class InMemoryCustomerRepository implements CustomerRepository {
  constructor(private readonly store: InMemoryStore) {}

  async findById(customerId: string): Promise<Customer | undefined> {
    const customer = this.store.customers.get(customerId);
    return customer === undefined ? undefined : copy(customer);
  }

  async save(customer: Customer, expectedVersion: number): Promise<void> {
    const current = this.store.customers.get(customer.customerId);
    if ((current?.version ?? 0) !== expectedVersion) throw new VersionConflictError(`customer ${customer.customerId} changed`);
    this.store.customers.set(customer.customerId, copy(customer));
    this.store.writes.push(`save customer ${customer.customerId}`);
  }

  async delete(customerId: string): Promise<void> {
    if (!this.store.customers.delete(customerId)) throw new NotFoundError(`customer ${customerId} does not exist`);
    this.store.writes.push(`delete customer ${customerId}`);
  }
}

export class InMemoryTimelineRepository implements TimelineRepository {
  /** Called before each append: lets a test move the timeline "concurrently". */
  beforeAppend: (() => void) | undefined;

  constructor(private readonly store: InMemoryStore) {}

  private key(aggregateType: string, aggregateId: string): string {
    return `${aggregateType}/${aggregateId}`;
  }

  async find(aggregateType: string, aggregateId: string): Promise<Timeline | undefined> {
    const timeline = this.store.timelines.get(this.key(aggregateType, aggregateId));
    return timeline === undefined ? undefined : copy(timeline);
  }

  async append(aggregateType: string, aggregateId: string, previousVersion: number, entry: TimelineEntry): Promise<boolean> {
    this.beforeAppend?.();
    const key = this.key(aggregateType, aggregateId);
    const current = this.store.timelines.get(key);
    if ((current?.lastVersion ?? 0) !== previousVersion || (previousVersion === 0 && current !== undefined)) return false;
    this.store.timelines.set(key, { lastVersion: entry.version, events: [...(current?.events ?? []), entry] });
    this.store.writes.push(`append ${key} v${entry.version}`);
    return true;
  }
}

export const silentLogger = new Logger({ logLevel: 'SILENT' });

/** An order as placed at 09:00 on the fake clock's day: one item of 2 × SKU-1 at 150 cents, version 1. */
export function placedOrder(orderId: string): Order {
  return {
    orderId,
    customerId: 'customer-1',
    items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 150 }],
    totalCents: 300,
    status: 'PLACED',
    version: 1,
    createdAt: '2026-11-27T09:00:00.000Z',
    updatedAt: '2026-11-27T09:00:00.000Z',
  };
}

/**
 * The API's dependencies over one in-memory store, with a fixed clock, predictable ids and an
 * in-memory idempotency persistence layer (`idempotency.records` holds the remembered answers).
 */
export function inMemoryApi(overrides: Partial<ApiDependencies> = {}): {
  store: InMemoryStore;
  deps: ApiDependencies;
  idempotency: InMemoryPersistenceLayer;
} {
  const store = new InMemoryStore();
  const idempotency = new InMemoryPersistenceLayer();
  let counter = 0;
  const deps: ApiDependencies = {
    orders: new InMemoryOrderRepository(store),
    payments: new InMemoryPaymentRepository(store),
    customers: new InMemoryCustomerRepository(store),
    timelines: new InMemoryTimelineRepository(store),
    idempotencyStore: idempotency,
    clock: () => new Date('2026-11-27T10:00:00.000Z'),
    newId: () => `ID${String(++counter).padStart(24, '0')}`,
    logger: silentLogger,
    ...overrides,
  };
  return { store, deps, idempotency };
}
