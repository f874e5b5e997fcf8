import type { APIGatewayProxyHandler } from 'aws-lambda';
import { getStringFromEnv } from '../../../exports/runtime';
import { documentClient, idempotencyStoreOn } from '../clients';
import { outboxTtlSecondsFromEnv } from '../config';
import { DynamoDbCustomerRepository } from '../customers/dynamodb-customer-repository';
import { DynamoDbOrderRepository } from '../orders/dynamodb-order-repository';
import { DynamoDbPaymentRepository } from '../payments/dynamodb-payment-repository';
import { DynamoDbTimelineRepository } from '../timeline/dynamodb-timeline-repository';
import { makeApiHandler } from './app';

// Read at initialisation: a function deployed without its configuration fails at once, naming it.
const tableName = getStringFromEnv('TABLE_NAME');
const idempotencyTableName = getStringFromEnv('IDEMPOTENCY_TABLE_NAME');
const outbox = { outboxTtlSeconds: outboxTtlSecondsFromEnv() };

/** The API Lambda: every route of the sample service (docs/design.md#http-api) over the one table. */
export const handler: APIGatewayProxyHandler = makeApiHandler({
  orders: new DynamoDbOrderRepository(documentClient, tableName, outbox),
  payments: new DynamoDbPaymentRepository(documentClient, tableName, outbox),
  customers: new DynamoDbCustomerRepository(documentClient, tableName),
  timelines: new DynamoDbTimelineRepository(documentClient, tableName),
  // Idempotency-Key answers.
  idempotencyStore: idempotencyStoreOn(idempotencyTableName),
});
