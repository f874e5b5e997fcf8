import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConcurrencyConflictError, type EventEnvelope, writeWithOutbox } from '../../../exports/runtime';
import type { OutboxWriteOptions } from '../config';
import { VersionConflictError } from '../errors';
import { CACHE_SORT_KEY, orderPartitionKey, paymentPartitionKey, STATE_SORT_KEY } from '../keys';
import type { CapturedPayment, PaymentRequest, PaymentView } from './payment';
import type { PaymentRepository } from './payment-repository';

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
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'sk IN (:state, :cache)',
        ExpressionAttributeValues: { ':pk': paymentPartitionKey(paymentId), ':state': STATE_SORT_KEY, ':cache': CACHE_SORT_KEY },
        ConsistentRead: true,
      }),
    );
    const state = Items.find((item) => item.sk === STATE_SORT_KEY);
    if (state !== undefined) return toView(state, 'table');
    // DynamoDB deletes expired items lazily (and the emulator never does): expiry is decided here.
    const cache = Items.find((item) => item.sk === CACHE_SORT_KEY);
    if (cache !== undefined && typeof cache.expiresAt === 'number' && cache.expiresAt * 1000 > now.getTime()) {
      return toView(cache, 'cache');
    }
    return undefined;
  }

  async capture(payment: CapturedPayment, event: EventEnvelope): Promise<'captured' | 'already-captured'> {
    const pk = paymentPartitionKey(payment.paymentId);
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
        ],
        events: [{ partitionKey: pk, envelope: event }],
      });
      return 'captured';
    } catch (error: unknown) {
      // A failed guard means the payment exists already: a redelivery. A transaction conflict
      // (another writer in flight) is not proof of that, so it fails the record and is retried.
      if (error instanceof ConcurrencyConflictError && error.reasons.some((reason) => reason.code === 'ConditionalCheckFailed')) {
        return 'already-captured';
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
