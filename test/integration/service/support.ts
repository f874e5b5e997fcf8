import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from '../../../lambdas/dualwrite/envelope';
import { makeApiHandler, type ApiDependencies, type ApiHandler } from '../../../lambdas/service/api/app';
import { DynamoDbCustomerRepository } from '../../../lambdas/service/customers/dynamodb-customer-repository';
import { DynamoDbOrderRepository } from '../../../lambdas/service/orders/dynamodb-order-repository';
import { DynamoDbPaymentRepository } from '../../../lambdas/service/payments/dynamodb-payment-repository';
import { DynamoDbTimelineRepository } from '../../../lambdas/service/timeline/dynamodb-timeline-repository';
import { InMemoryPersistenceLayer } from '../../unit/consumer/support/in-memory-persistence-layer';
import { silentLogger } from '../consumer/support';
import { createOutboxTable, documentClient, uniqueName } from '../support/aws';

export interface ServiceUnderTest {
  tableName: string;
  deps: ApiDependencies;
  api: ApiHandler;
}

/**
 * A fresh single table on the emulator and the API handler over the real DynamoDB adapters.
 * Idempotency-Key answers are kept in memory unless `overrides.idempotencyStore` says otherwise
 * (`idempotency.test.ts` passes the Powertools DynamoDB layer on an emulated table).
 */
export async function serviceOnFreshTable(name: string, overrides: Partial<ApiDependencies> = {}): Promise<ServiceUnderTest> {
  const { tableName } = await createOutboxTable(uniqueName(name));
  const client = documentClient();
  const deps: ApiDependencies = {
    orders: new DynamoDbOrderRepository(client, tableName),
    payments: new DynamoDbPaymentRepository(client, tableName),
    customers: new DynamoDbCustomerRepository(client, tableName),
    timelines: new DynamoDbTimelineRepository(client, tableName),
    idempotencyStore: new InMemoryPersistenceLayer(),
    logger: silentLogger,
    ...overrides,
  };
  return { tableName, deps, api: makeApiHandler(deps) };
}

/** Every item of one partition, by sort key. */
export async function partitionItems(tableName: string, pk: string): Promise<Array<Record<string, any>>> {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true }),
  );
  return Items;
}

export async function outboxEnvelopes(tableName: string, pk: string): Promise<EventEnvelope[]> {
  return (await partitionItems(tableName, pk))
    .filter((item) => String(item.sk).startsWith('OUTBOX#'))
    .map((item) => item.envelope as EventEnvelope);
}
