import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConcurrencyConflictError, type EventEnvelope, writeWithOutbox } from '../../../exports/runtime';
import type { OutboxWriteOptions } from '../config';
import { VersionConflictError } from '../errors';
import { orderPartitionKey, STATE_SORT_KEY } from '../keys';
import type { Order, OrderStatus } from './order';
import type { OrderRepository } from './order-repository';

export class DynamoDbOrderRepository implements OrderRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: OutboxWriteOptions = {},
  ) {}

  async findById(orderId: string): Promise<Order | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: orderPartitionKey(orderId), sk: STATE_SORT_KEY }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : toOrder(Item);
  }

  async create(order: Order, event: EventEnvelope): Promise<void> {
    const pk = orderPartitionKey(order.orderId);
    await this.translateConflict(order.orderId, () =>
      writeWithOutbox(this.client, {
        tableName: this.tableName,
        outboxTtlSeconds: this.options.outboxTtlSeconds,
        writes: [
          {
            Put: {
              TableName: this.tableName,
              Item: { pk, sk: STATE_SORT_KEY, entityType: 'Order', ...order },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
        events: [{ partitionKey: pk, envelope: event }],
      }),
    );
  }

  async update(order: Order, expected: { version: number; status: OrderStatus }, event: EventEnvelope): Promise<void> {
    const pk = orderPartitionKey(order.orderId);
    const names: Record<string, string> = { '#status': 'status', '#version': 'version' };
    const values: Record<string, unknown> = {
      ':status': order.status,
      ':version': order.version,
      ':updatedAt': order.updatedAt,
      ':expectedVersion': expected.version,
      ':expectedStatus': expected.status,
    };
    let update = 'SET #status = :status, #version = :version, updatedAt = :updatedAt';
    if (order.cancelReason !== undefined) {
      update += ', cancelReason = :cancelReason';
      values[':cancelReason'] = order.cancelReason;
    }
    await this.translateConflict(order.orderId, () =>
      writeWithOutbox(this.client, {
        tableName: this.tableName,
        outboxTtlSeconds: this.options.outboxTtlSeconds,
        writes: [
          {
            Update: {
              TableName: this.tableName,
              Key: { pk, sk: STATE_SORT_KEY },
              UpdateExpression: update,
              ConditionExpression: '#version = :expectedVersion AND #status = :expectedStatus',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
        ],
        events: [{ partitionKey: pk, envelope: event }],
      }),
    );
  }

  private async translateConflict(orderId: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error: unknown) {
      if (error instanceof ConcurrencyConflictError) {
        throw new VersionConflictError(`order ${orderId} was changed by another request; read it again and retry`, { cause: error });
      }
      throw error;
    }
  }
}

export function toOrder(item: Record<string, unknown>): Order {
  const { pk: _pk, sk: _sk, entityType: _entityType, ...order } = item;
  return order as unknown as Order;
}
