import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrencyConflictError, type EntityWrite, getStringFromEnv, newEnvelope, writeWithOutbox } from 'dualwrite/runtime';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TableName = getStringFromEnv('TABLE_NAME');
const outboxTtlSeconds = Number(getStringFromEnv('OUTBOX_TTL_SECONDS'));
const reply = (statusCode: number, body: unknown) => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

interface ApiEvent { resource: string; pathParameters: Record<string, string> | null; body: string | null; requestContext: { requestId: string } }

export async function handler({ resource, pathParameters, body, requestContext }: ApiEvent) {
  try {
    if (resource === '/reservations') return await reserve(JSON.parse(body ?? '{}'), requestContext.requestId);
    if (resource === '/reservations/{id}/release') return await release(pathParameters!.id!, requestContext.requestId);
    return await stockOf(pathParameters!.sku!);
  } catch (error) {
    if (error instanceof SyntaxError) return reply(400, { error: 'the body is not JSON' });
    if (error instanceof ConcurrencyConflictError) return reply(409, { error: 'changed meanwhile, nothing written; read and retry' });
    throw error;
  }
}

async function reserve({ sku, quantity }: { sku?: unknown; quantity?: unknown }, correlationId: string) {
  if (typeof sku !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(sku) || typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1) {
    return reply(400, { error: 'expected {"sku": "<A-Za-z0-9->", "quantity": <positive integer>}' });
  }
  const reservationId = randomUUID();
  const Item = { pk: `RESERVATION#${reservationId}`, sk: 'STATE', sku, quantity, status: 'RESERVED', version: 1 };
  await save(reservationId, 1, 'StockReserved', { sku, quantity }, { Put: { TableName, Item, ConditionExpression: 'attribute_not_exists(pk)' } }, correlationId);
  return reply(201, { reservationId, status: 'RESERVED' });
}

async function release(reservationId: string, correlationId: string) {
  const Key = { pk: `RESERVATION#${reservationId}`, sk: 'STATE' };
  const { Item } = await db.send(new GetCommand({ TableName, Key }));
  if (Item === undefined) return reply(404, { error: 'no such reservation' });
  if (Item.status !== 'RESERVED') return reply(409, { error: 'already released' });
  const version = (Item.version as number) + 1;
  const update = {
    TableName, Key, UpdateExpression: 'SET #status = :released, version = :next', ConditionExpression: 'version = :read',
    ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':released': 'RELEASED', ':next': version, ':read': version - 1 },
  };
  await save(reservationId, version, 'StockReleased', { sku: Item.sku, quantity: Item.quantity }, { Update: update }, correlationId);
  return reply(200, { reservationId, status: 'RELEASED' });
}

/** One transaction: the reservation's guarded write and its event, an outbox item the relay publishes. */
function save(aggregateId: string, aggregateVersion: number, type: string, data: { sku: string; quantity: number }, write: EntityWrite, correlationId: string) {
  const envelope = newEnvelope({ type, source: 'inventory.reservations', aggregateType: 'Reservation', aggregateId, aggregateVersion, correlationId, data });
  return writeWithOutbox(db, { tableName: TableName, outboxTtlSeconds, writes: [write], events: [{ partitionKey: `RESERVATION#${aggregateId}`, envelope }] });
}

/** The projection the consumer keeps: one item per reservation under its SKU, summed here. */
async function stockOf(sku: string) {
  const { Items = [] } = await db.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `STOCK#${sku}` } }));
  return reply(200, { sku, reserved: Items.filter((item) => item.status === 'RESERVED').reduce((sum, item) => sum + (item.quantity as number), 0) });
}
