import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './observability';

/**
 * SDK clients, built once per execution environment and reused by every invocation. The endpoint
 * and region come from the environment (`AWS_ENDPOINT_URL` points them at the local emulator).
 */
export const dynamoDBClient = tracer.captureAWSv3Client(new DynamoDBClient({}));

export const documentClient = DynamoDBDocumentClient.from(dynamoDBClient, {
  marshallOptions: { removeUndefinedValues: true },
});

/**
 * The Powertools idempotency store (`id` partition key, TTL `expiration`) on the module's one client,
 * so that its calls share connections (and traces) with the function's own table calls.
 */
export function idempotencyStoreOn(tableName: string): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamoDBClient });
}
