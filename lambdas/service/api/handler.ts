import type { APIGatewayProxyHandler } from 'aws-lambda';
import { getStringFromEnv } from '../../dualwrite/config';
import { documentClient } from '../clients';
import { DynamoDbCustomerRepository } from '../customers/dynamodb-customer-repository';
import { DynamoDbOrderRepository } from '../orders/dynamodb-order-repository';
import { DynamoDbPaymentRepository } from '../payments/dynamodb-payment-repository';
import { DynamoDbTimelineRepository } from '../timeline/dynamodb-timeline-repository';
import { makeApiHandler } from './app';

const tableName = getStringFromEnv('TABLE_NAME');

/** The API Lambda: every route of the sample service (DESIGN §8) over the one table. */
export const handler: APIGatewayProxyHandler = makeApiHandler({
  orders: new DynamoDbOrderRepository(documentClient, tableName),
  payments: new DynamoDbPaymentRepository(documentClient, tableName),
  customers: new DynamoDbCustomerRepository(documentClient, tableName),
  timelines: new DynamoDbTimelineRepository(documentClient, tableName),
});
