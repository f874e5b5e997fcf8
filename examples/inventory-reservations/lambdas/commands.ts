import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrencyConflictError, getStringFromEnv, newEnvelope, writeWithOutbox } from 'dualwrite/runtime';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const tableName = getStringFromEnv('TABLE_NAME');
const outboxTtlSeconds = Number(getStringFromEnv('OUTBOX_TTL_SECONDS'));

interface ApiEvent {
  resource: string;
  pathParameters: Record<string, string> | null;
  body: string | null;
  requestContext: { requestId: string };
}
const reply = (statusCode: number, body: unknown) => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export async function handler(event: ApiEvent) {
  const correlationId = event.requestContext.requestId;
  try {
    if (event.resource === '/reservations') return await reserve(JSON.parse(event.body ?? '{}'), correlationId);
    if (event.resource === '/reservations/{id}/release') return await release(event.pathParameters!.id!, correlationId);
    return await stockOf(event.pathParameters!.sku!);
  } catch (error) {
    if (error instanceof SyntaxError) return reply(400, { error: 'the body is not JSON' });
    if (error instanceof ConcurrencyConflictError) return reply(409, { error: 'changed meanwhile, nothing written; read and retry' });
    throw error;
  }
}

/** One transaction: the reservation and its StockReserved event (an outbox item the relay publishes). */
async function reserve(body: { sku?: unknown; quantity?: unknown }, correlationId: string) {
  const { sku, quantity } = body;
  if (typeof sku !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(sku) || !Number.isInteger(quantity) || (quantity as number) < 1) {
    return reply(400, { error: 'expected {"sku": "<A-Za-z0-9->", "quantity": <positive integer>}' });
  }
  const reservationId = randomUUID();
  const pk = `RESERVATION#${reservationId}`;
  await writeWithOutbox(db, {
    tableName,
    outboxTtlSeconds,
    writes: [{ Put: { TableName: tableName, Item: { pk, sk: 'STATE', sku, quantity, status: 'RESERVED', version: 1 }, ConditionExpression: 'attribute_not_exists(pk)' } }],
    events: [{ partitionKey: pk, envelope: reservationEvent('StockReserved', reservationId, 1, correlationId, { sku, quantity }) }],
  });
  return reply(201, { reservationId, status: 'RESERVED' });
}

/** One transaction: the status change, guarded by the version read, and its StockReleased event. */
async function release(reservationId: string, correlationId: string) {
  const pk = `RESERVATION#${reservationId}`;
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: { pk, sk: 'STATE' } }));
  if (Item === undefined) return reply(404, { error: 'no such reservation' });
  if (Item.status !== 'RESERVED') return reply(409, { error: 'already released' });
  const version = (Item.version as number) + 1;
  await writeWithOutbox(db, {
    tableName,
    outboxTtlSeconds,
    writes: [{ Update: {
      TableName: tableName, Key: { pk, sk: 'STATE' }, UpdateExpression: 'SET #status = :released, version = :next', ConditionExpression: 'version = :read',
      ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':released': 'RELEASED', ':next': version, ':read': version - 1 },
    } }],
    events: [{ partitionKey: pk, envelope: reservationEvent('StockReleased', reservationId, version, correlationId, { sku: Item.sku, quantity: Item.quantity }) }],
  });
  return reply(200, { reservationId, status: 'RELEASED' });
}

const reservationEvent = (type: string, aggregateId: string, aggregateVersion: number, correlationId: string, data: { sku: string; quantity: number }) =>
  newEnvelope({ type, source: 'inventory.reservations', aggregateType: 'Reservation', aggregateId, aggregateVersion, correlationId, data });

/** The projection the consumer keeps: one item per reservation under the SKU, summed here. */
async function stockOf(sku: string) {
  const { Items = [] } = await db.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `STOCK#${sku}` } }));
  const reserved = Items.filter((item) => item.status === 'RESERVED').reduce((sum, item) => sum + (item.quantity as number), 0);
  return reply(200, { sku, reserved, reservations: Items.length });
}
