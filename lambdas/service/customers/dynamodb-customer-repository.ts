import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../../../exports/runtime';
import { NotFoundError, VersionConflictError } from '../errors';
import { customerPartitionKey, STATE_SORT_KEY } from '../keys';
import type { Customer } from './customer';
import type { CustomerRepository } from './customer-repository';

export class DynamoDbCustomerRepository implements CustomerRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async findById(customerId: string): Promise<Customer | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: customerPartitionKey(customerId), sk: STATE_SORT_KEY }, ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    const { pk: _pk, sk: _sk, entityType: _entityType, ...customer } = Item;
    return customer as Customer;
  }

  async save(customer: Customer, expectedVersion: number): Promise<void> {
    const guard =
      expectedVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: '#version = :read',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':read': expectedVersion },
          };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: customerPartitionKey(customer.customerId), sk: STATE_SORT_KEY, entityType: 'Customer', ...customer },
          ...guard,
        }),
      );
    } catch (error: unknown) {
      if (isConditionalCheckFailed(error)) {
        throw new VersionConflictError(`customer ${customer.customerId} was changed by another request; retry`, { cause: error });
      }
      throw error;
    }
  }

  async delete(customerId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: customerPartitionKey(customerId), sk: STATE_SORT_KEY },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (error: unknown) {
      if (isConditionalCheckFailed(error)) throw new NotFoundError(`customer ${customerId} does not exist`);
      throw error;
    }
  }
}
