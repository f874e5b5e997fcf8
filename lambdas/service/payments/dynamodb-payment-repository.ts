import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConcurrencyConflictError, type EventEnvelope, writeWithOutbox } from '../../../exports/runtime';
import type { OutboxWriteOptions } from '../config';
import { VersionConflictError } from '../errors';
import { CACHE_SORT_KEY, orderPartitionKey, paymentPartitionKey, STATE_SORT_KEY } from '../keys';
import type { PaymentRequest, PaymentView, SettledPayment } from './payment';
import type { PaymentRepository, SettleResult } from './payment-repository';

export class DynamoDbPaymentRepository implements PaymentRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: OutboxWriteOptions = {},
  ) {}

  async request(
    payment: PaymentRequest,
    order: { orderId: string; version: number },
    event: EventEnvelope,
    cacheExpiresAt: Date,
  ): Promise<void> {
    const pk = paymentPartitionKey(payment.paymentId);
    try {
      await writeWithOutbox(this.client, {
        tableName: this.tableName,
        outboxTtlSeconds: this.options.outboxTtlSeconds,
        writes: [
          {
            // A cancel that commits first moves the order's version: this check then fails the whole transaction.
            ConditionCheck: {
              TableName: this.tableName,
              Key: { pk: orderPartitionKey(order.orderId), sk: STATE_SORT_KEY },
              ConditionExpression: '#status = :placed AND #version = :read',
              ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
              ExpressionAttributeValues: { ':placed': 'PLACED', ':read': order.version },
            },
          },
          {
            // A payment id requested before: its entity outlives the cache and outbox items, whose
            // TTLs would otherwise let a re-run of a keyed command write a second PaymentRequested.
            ConditionCheck: {
              TableName: this.tableName,
              Key: { pk, sk: STATE_SORT_KEY },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: {
                pk,
                sk: CACHE_SORT_KEY,
                entityType: 'PaymentCache',
                ...payment,
                status: 'PENDING',
                expiresAt: Math.floor(cacheExpiresAt.getTime() / 1000),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
        events: [{ partitionKey: pk, envelope: event }],
      });
    } catch (error: unknown) {
      if (error instanceof ConcurrencyConflictError) {
        throw new VersionConflictError(`order ${order.orderId} changed while the payment was requested; read it again`, { cause: error });
      }
      throw error;
    }
  }

  async findView(paymentId: string, now: Date): Promise<PaymentView | undefined> {
    const items = await this.stateAndCache(paymentId);
    const state = items.find((item) => item.sk === STATE_SORT_KEY);
    if (state !== undefined) return toView(state, 'table');
    // DynamoDB deletes expired items lazily (and the emulator never does): expiry is decided here.
    const cache = items.find((item) => item.sk === CACHE_SORT_KEY);
    if (cache !== undefined && typeof cache.expiresAt === 'number' && cache.expiresAt * 1000 > now.getTime()) {
      return toView(cache, 'cache');
    }
    return undefined;
  }

  async findRequest(paymentId: string): Promise<PaymentRequest | undefined> {
    const item = (await this.stateAndCache(paymentId))[0];
    return item === undefined ? undefined : { paymentId: item.paymentId as string, orderId: item.orderId as string, amountCents: item.amountCents as number };
  }

  private async stateAndCache(paymentId: string): Promise<Array<Record<string, unknown>>> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'sk IN (:state, :cache)',
        ExpressionAttributeValues: { ':pk': paymentPartitionKey(paymentId), ':state': STATE_SORT_KEY, ':cache': CACHE_SORT_KEY },
        ConsistentRead: true,
      }),
    );
    return Items;
  }

  async settle(payment: SettledPayment, event: EventEnvelope): Promise<SettleResult> {
    const pk = paymentPartitionKey(payment.paymentId);
    const orderCheck =
      payment.status === 'CAPTURED'
        ? { ConditionExpression: '#status = :placed' }
        : { ConditionExpression: 'attribute_not_exists(#status) OR #status <> :placed' };
    try {
      await writeWithOutbox(this.client, {
        tableName: this.tableName,
        outboxTtlSeconds: this.options.outboxTtlSeconds,
        writes: [
          {
            Put: {
              TableName: this.tableName,
              Item: { pk, sk: STATE_SORT_KEY, entityType: 'Payment', ...payment },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            // A cancel that committed since the command makes a capture fail here, in the same transaction.
            ConditionCheck: {
              TableName: this.tableName,
              Key: { pk: orderPartitionKey(payment.orderId), sk: STATE_SORT_KEY },
              ...orderCheck,
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':placed': 'PLACED' },
            },
          },
        ],
        events: [{ partitionKey: pk, envelope: event }],
      });
      return 'settled';
    } catch (error: unknown) {
      // A failed guard on the payment means it exists already: a redelivery. A failed check of the
      // order means it is not in the state this outcome needs. A transaction conflict (another
      // writer in flight) proves neither, so it fails the record and is retried.
      if (error instanceof ConcurrencyConflictError) {
        const [paymentGuard, orderGuard] = error.reasons.map((reason) => reason.code === 'ConditionalCheckFailed');
        if (paymentGuard) return 'already-settled';
        if (orderGuard) return 'order-disagrees';
      }
      throw error;
    }
  }
}

function toView(item: Record<string, unknown>, source: PaymentView['source']): PaymentView {
  return {
    paymentId: item.paymentId as string,
    orderId: item.orderId as string,
    amountCents: item.amountCents as number,
    status: item.status as PaymentView['status'],
    source,
  };
}
