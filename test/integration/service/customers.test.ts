/**
 * Customers on the emulator (transaction log tailing): plain writes only, and the table's real
 * stream records, turned into changes the way the CDC function does, map to the right events.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { makeApiHandler } from '../../../lambdas/service/api/app';
import { mapCustomerChange, type CustomerItemChange } from '../../../lambdas/service/customers/customer-change-mapper';
import { apiEvent, parseResponse } from '../../unit/service/support/api-events';
import { readStreamRecords } from '../support/aws';
import { partitionItems, serviceOnFreshTable, type ServiceUnderTest } from './support';

const put = (service: ServiceUnderTest, customerId: string, body: unknown, requestId = 'req-put') =>
  service.api(apiEvent({ method: 'PUT', resource: '/customers/{customerId}', pathParameters: { customerId }, body, requestId })).then(parseResponse);

const image = (value: Record<string, unknown> | undefined) => (value === undefined ? undefined : unmarshall(value as Record<string, AttributeValue>));

async function customerChanges(tableName: string): Promise<CustomerItemChange[]> {
  return (await readStreamRecords(tableName)).map((record) => ({
    eventName: record.eventName as CustomerItemChange['eventName'],
    tableName,
    keys: image(record.dynamodb?.Keys) ?? {},
    oldImage: image(record.dynamodb?.OldImage),
    newImage: image(record.dynamodb?.NewImage),
    sequenceNumber: record.dynamodb?.SequenceNumber ?? '',
    approximateCreationDateTime: record.dynamodb?.ApproximateCreationDateTime ?? new Date(),
  }));
}

describe('customers on the emulator', () => {
  it('an unchanged PUT writes nothing: no new stream record', async () => {
    const service = await serviceOnFreshTable('customers-unchanged');
    const created = await put(service, 'c-1', { name: 'Ann', email: 'ann@example.com' });
    const streamAfterCreate = await readStreamRecords(service.tableName);

    const again = await put(service, 'c-1', { name: 'Ann', email: 'ann@example.com' }, 'req-again');

    expect(created.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(again.json).toEqual({ customerId: 'c-1', name: 'Ann', email: 'ann@example.com', version: 1 });
    expect(streamAfterCreate).toHaveLength(1);
    expect(await readStreamRecords(service.tableName)).toHaveLength(1);
    expect((await partitionItems(service.tableName, 'CUSTOMER#c-1'))[0]).toMatchObject({ version: 1, correlationId: 'req-put' });
  });

  it('create, change, delete: one plain write each, and the stream maps to Registered, Updated, Deleted', async () => {
    const service = await serviceOnFreshTable('customers-cdc');

    const created = await put(service, 'c-2', { name: 'Bo', email: 'bo@example.com' }, 'req-1');
    const changed = await put(service, 'c-2', { name: 'Bo', email: 'bo@lee.example' }, 'req-2');
    const deleted = await service.api(apiEvent({ method: 'DELETE', resource: '/customers/{customerId}', pathParameters: { customerId: 'c-2' } }));
    const deletedAgain = parseResponse(
      await service.api(apiEvent({ method: 'DELETE', resource: '/customers/{customerId}', pathParameters: { customerId: 'c-2' } })),
    );

    expect(created.json.version).toBe(1);
    expect(changed.json).toEqual({ customerId: 'c-2', name: 'Bo', email: 'bo@lee.example', version: 2 });
    expect(deleted.statusCode).toBe(204);
    expect(deletedAgain.statusCode).toBe(404);
    expect(await partitionItems(service.tableName, 'CUSTOMER#c-2')).toEqual([]);
    const drafts = (await customerChanges(service.tableName)).map(mapCustomerChange);
    expect(drafts.map((draft) => [draft?.type, draft?.aggregateVersion, draft?.correlationId])).toEqual([
      ['CustomerRegistered', 1, 'req-1'],
      ['CustomerUpdated', 2, 'req-2'],
      ['CustomerDeleted', 3, 'req-2'],
    ]);
    expect(drafts[1]?.data).toEqual({ changes: { email: { old: 'bo@example.com', new: 'bo@lee.example' } } });
  });

  it('a PUT that lost its race to another writer is a 409 and does not overwrite', async () => {
    const service = await serviceOnFreshTable('customers-race');
    await put(service, 'c-3', { name: 'Cy', email: 'cy@example.com' });
    const stale = await service.deps.customers.findById('c-3');
    await put(service, 'c-3', { name: 'Cy Two', email: 'cy@example.com' });
    const staleReader = makeApiHandler({
      ...service.deps,
      customers: {
        findById: async () => stale,
        save: (customer, expectedVersion) => service.deps.customers.save(customer, expectedVersion),
        delete: (customerId) => service.deps.customers.delete(customerId),
      },
    });

    const response = parseResponse(
      await staleReader(apiEvent({ method: 'PUT', resource: '/customers/{customerId}', pathParameters: { customerId: 'c-3' }, body: { name: 'Cy Three', email: 'cy@example.com' } })),
    );

    expect(response.statusCode).toBe(409);
    expect(response.json.error.code).toBe('VERSION_CONFLICT');
    expect((await partitionItems(service.tableName, 'CUSTOMER#c-3'))[0]).toMatchObject({ name: 'Cy Two', version: 2 });
  });
});
