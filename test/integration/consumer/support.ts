import { CreateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { dynamoClient, uniqueName } from '../support/aws';

export const silentLogger = new Logger({ logLevel: 'SILENT' });

/** The Powertools idempotency table of docs/internals.md: `id` partition key, TTL on `expiration`. */
export async function createIdempotencyTable(prefix = 'idempotency'): Promise<string> {
  const tableName = uniqueName(prefix);
  await dynamoClient().send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  await dynamoClient().send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiration' } }),
  );
  return tableName;
}

/** The real Powertools DynamoDB persistence layer, on the emulator. */
export function dynamoPersistence(tableName: string): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamoClient() });
}
