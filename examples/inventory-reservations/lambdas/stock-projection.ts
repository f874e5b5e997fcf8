import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { getStringFromEnv, isConditionalCheckFailed, makeIdempotentEventConsumer } from 'dualwrite/runtime';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const tableName = getStringFromEnv('TABLE_NAME');

/**
 * StockReserved and StockReleased → one projection item per reservation, under its SKU. The
 * consumer drops redelivered events by envelope id; the version guard keeps the newest state when
 * events of one reservation arrive out of order (a late StockReserved does not undo a release).
 */
export const handler = makeIdempotentEventConsumer(async (event) => {
  const { type, aggregateId, aggregateVersion, data } = event.detail;
  const { sku, quantity } = data as { sku: string; quantity: number };
  try {
    await db.send(new PutCommand({
      TableName: tableName,
      Item: { pk: `STOCK#${sku}`, sk: `RESERVATION#${aggregateId}`, quantity, status: type === 'StockReserved' ? 'RESERVED' : 'RELEASED', version: aggregateVersion },
      ConditionExpression: 'attribute_not_exists(version) OR version < :version',
      ExpressionAttributeValues: { ':version': aggregateVersion },
    }));
    return 'applied';
  } catch (error) {
    if (isConditionalCheckFailed(error)) return 'older than the projection';
    throw error;
  }
});
