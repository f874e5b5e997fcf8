/**
 * `Idempotency-Key` with the real Powertools DynamoDB persistence layer on an emulated idempotency
 * table (`id` partition key, TTL `expiration`, as docs/internals.md has it) and the real adapters.
 */
import { describe, expect, it } from '@jest/globals';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { API_IDEMPOTENCY_EXPIRY_SECONDS, API_IDEMPOTENCY_KEY_PREFIX } from '../../../lambdas/service/api/idempotent-commands';
import { apiEvent, lambdaContext, parseResponse, type ApiCall } from '../../unit/service/support/api-events';
import { createIdempotencyTable, dynamoPersistence } from '../consumer/support';
import { documentClient, scanItems } from '../support/aws';
import { outboxEnvelopes, partitionItems, serviceOnFreshTable } from './support';

const placeBody = { customerId: 'customer-1', items: [{ sku: 'A', quantity: 2, unitPriceCents: 250 }] };

const withKey = (call: ApiCall, key: string, requestId: string): ApiCall => ({
  ...call,
  requestId,
  headers: { 'content-type': 'application/json', 'idempotency-key': key },
});

async function idempotentService(name: string) {
  const idempotencyTableName = await createIdempotencyTable(`${name}-idem`);
  const service = await serviceOnFreshTable(name, { idempotencyStore: dynamoPersistence(idempotencyTableName) });
  const call = async (request: ApiCall) => parseResponse(await service.api(apiEvent(request), lambdaContext()));
  return { ...service, idempotencyTableName, call };
}

describe('Idempotency-Key on the emulator (Powertools DynamoDB persistence layer)', () => {
  it('a retried POST /orders returns the same orderId; the table holds one order and one outbox item', async () => {
    const { tableName, idempotencyTableName, call } = await idempotentService('idem-place');
    const request = { method: 'POST', resource: '/orders', body: placeBody };

    const first = await call(withKey(request, 'retry-me-1', 'req-1'));
    const retry = await call(withKey(request, 'retry-me-1', 'req-2'));

    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.json).toEqual(first.json);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const items = await scanItems(tableName);
    expect(items.filter((item) => item.sk === 'STATE')).toEqual([expect.objectContaining({ pk: `ORDER#${first.json.orderId}`, entityType: 'Order' })]);
    expect(items.filter((item) => String(item.sk).startsWith('OUTBOX#'))).toHaveLength(1);
    expect(items).toHaveLength(2);
    const records = await scanItems(idempotencyTableName);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'COMPLETED', id: expect.stringMatching(new RegExp(`^${API_IDEMPOTENCY_KEY_PREFIX}#`)) });
    expect(records[0]?.data).toEqual({ statusCode: 201, body: first.json });
    const now = Math.floor(Date.now() / 1000);
    expect(records[0]?.expiration).toBeGreaterThan(now + API_IDEMPOTENCY_EXPIRY_SECONDS - 120);
    expect(records[0]?.expiration).toBeLessThanOrEqual(now + API_IDEMPOTENCY_EXPIRY_SECONDS + 1);
  });

  it('the same key with another body is 422 and writes nothing; another order with the same key on cancel is independent', async () => {
    const { tableName, call } = await idempotentService('idem-reuse');
    const placed = await call(withKey({ method: 'POST', resource: '/orders', body: placeBody }, 'k-1', 'req-1'));
    const before = await scanItems(tableName);

    const reused = await call(withKey({ method: 'POST', resource: '/orders', body: { ...placeBody, customerId: 'customer-2' } }, 'k-1', 'req-2'));

    expect(placed.statusCode).toBe(201);
    expect(reused.statusCode).toBe(422);
    expect(reused.json).toEqual({ error: { code: 'IDEMPOTENCY_KEY_REUSED', message: expect.any(String) } });
    expect(await scanItems(tableName)).toEqual(before);

    const other = await call(withKey({ method: 'POST', resource: '/orders', body: placeBody }, 'k-2', 'req-3'));
    const cancelOne = await call(withKey({ method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId: placed.json.orderId } }, 'k-1', 'req-4'));
    const cancelOther = await call(withKey({ method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId: other.json.orderId } }, 'k-1', 'req-5'));

    expect(cancelOne).toMatchObject({ statusCode: 200, json: { orderId: placed.json.orderId, status: 'CANCELLED' } });
    expect(cancelOther).toMatchObject({ statusCode: 200, json: { orderId: other.json.orderId, status: 'CANCELLED' } });
  });

  it('ten concurrent POST /orders with one key: one order; each answer is that 201 or 409 IDEMPOTENCY_IN_PROGRESS', async () => {
    const { tableName, call } = await idempotentService('idem-race');
    const request = { method: 'POST', resource: '/orders', body: placeBody };

    const answers = await Promise.all(Array.from({ length: 10 }, (_, index) => call(withKey(request, 'same-key', `req-${index}`))));

    const created = answers.filter((answer) => answer.statusCode === 201);
    const busy = answers.filter((answer) => answer.statusCode === 409);
    expect(created.length + busy.length).toBe(10);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((answer) => answer.json.orderId)).size).toBe(1);
    for (const answer of busy) expect(answer.json.error.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    const items = await scanItems(tableName);
    expect(items.filter((item) => item.sk === 'STATE')).toHaveLength(1);
    expect(items.filter((item) => String(item.sk).startsWith('OUTBOX#'))).toHaveLength(1);
  });
});

/**
 * What a process that died after the command committed, before Powertools completed the record,
 * leaves behind once the in-progress window (the invocation's remaining time) has passed: an
 * INPROGRESS record, without answer, whose `in_progress_expiration` is in the past.
 */
async function dieBeforeCompleting(idempotencyTableName: string): Promise<void> {
  const records = await scanItems(idempotencyTableName);
  expect(records).toHaveLength(1);
  await documentClient().send(
    new UpdateCommand({
      TableName: idempotencyTableName,
      Key: { id: records[0]?.id },
      UpdateExpression: 'SET #status = :inProgress, in_progress_expiration = :past REMOVE #data',
      ExpressionAttributeNames: { '#status': 'status', '#data': 'data' },
      ExpressionAttributeValues: { ':inProgress': 'INPROGRESS', ':past': Date.now() - 1_000 },
    }),
  );
}

describe('a keyed command run again after the process died before completing its record', () => {
  it('POST /orders: the same 201 and orderId, one order, one OrderPlaced; the record is completed this time', async () => {
    const { tableName, idempotencyTableName, call } = await idempotentService('idem-crash-place');
    const request = { method: 'POST', resource: '/orders', body: placeBody };
    const first = await call(withKey(request, 'crash-1', 'req-1'));
    await dieBeforeCompleting(idempotencyTableName);

    const again = await call(withKey(request, 'crash-1', 'req-2'));

    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(again.headers).not.toHaveProperty('idempotent-replayed');
    const items = await scanItems(tableName);
    expect(items.filter((item) => item.sk === 'STATE')).toEqual([expect.objectContaining({ pk: `ORDER#${first.json.orderId}`, version: 1 })]);
    expect(items).toHaveLength(2);
    expect((await outboxEnvelopes(tableName, `ORDER#${first.json.orderId}`)).map((event) => event.type)).toEqual(['OrderPlaced']);
    const [record] = await scanItems(idempotencyTableName);
    expect(record).toMatchObject({ status: 'COMPLETED', data: { statusCode: 201, body: first.json } });
  });

  it('POST /orders with another body under the key: 422 IDEMPOTENCY_KEY_REUSED and nothing written', async () => {
    const { tableName, idempotencyTableName, call } = await idempotentService('idem-crash-reuse');
    await call(withKey({ method: 'POST', resource: '/orders', body: placeBody }, 'crash-2', 'req-1'));
    await dieBeforeCompleting(idempotencyTableName);
    const before = await scanItems(tableName);

    const reused = await call(withKey({ method: 'POST', resource: '/orders', body: { ...placeBody, customerId: 'customer-2' } }, 'crash-2', 'req-2'));

    expect(reused.statusCode).toBe(422);
    expect(reused.json).toEqual({ error: { code: 'IDEMPOTENCY_KEY_REUSED', message: expect.stringContaining('Idempotency-Key') } });
    expect(await scanItems(tableName)).toEqual(before);
  });

  it('POST /orders/{orderId}/payments: the same 202 and paymentId, one PaymentRequested, also once the consumer has settled it; another amount is 422', async () => {
    const { tableName, idempotencyTableName, call } = await idempotentService('idem-crash-pay');
    const placed = await call({ method: 'POST', resource: '/orders', body: placeBody });
    const orderId = placed.json.orderId as string;
    const pay = (amountCents: number, requestId: string) =>
      call(withKey({ method: 'POST', resource: '/orders/{orderId}/payments', pathParameters: { orderId }, body: { amountCents } }, 'crash-3', requestId));
    const first = await pay(500, 'req-1');
    const paymentPk = `PAYMENT#${first.json.paymentId}`;
    await dieBeforeCompleting(idempotencyTableName);

    const again = await pay(500, 'req-2');

    expect(first.statusCode).toBe(202);
    expect(again).toMatchObject({ statusCode: 202, json: first.json });
    expect((await partitionItems(tableName, paymentPk)).map((item) => item.sk)).toEqual(['CACHE', expect.stringMatching(/^OUTBOX#/)]);
    expect((await outboxEnvelopes(tableName, paymentPk)).map((event) => event.type)).toEqual(['PaymentRequested']);

    // The consumer settles the payment, then the TTLs of the cache item and of the published outbox
    // item run out (neither guards the id any more); the process dies again.
    await documentClient().send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: paymentPk, sk: 'STATE', entityType: 'Payment', paymentId: first.json.paymentId, orderId, amountCents: 500, status: 'CAPTURED', version: 2, capturedAt: new Date().toISOString() },
      }),
    );
    for (const item of await partitionItems(tableName, paymentPk)) {
      if (item.sk !== 'STATE') await documentClient().send(new DeleteCommand({ TableName: tableName, Key: { pk: paymentPk, sk: item.sk } }));
    }
    await dieBeforeCompleting(idempotencyTableName);

    const afterSettled = await pay(500, 'req-3');

    expect(afterSettled).toMatchObject({ statusCode: 202, json: first.json });
    expect((await partitionItems(tableName, paymentPk)).map((item) => item.sk)).toEqual(['STATE']);

    await dieBeforeCompleting(idempotencyTableName);
    const before = await scanItems(tableName);
    const reused = await pay(501, 'req-4');

    expect(reused.statusCode).toBe(422);
    expect(reused.json.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await scanItems(tableName)).toEqual(before);
  });
});
