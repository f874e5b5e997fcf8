/**
 * Change data capture against the emulator: plain writes of customer items, the table's real stream
 * records, the CDC handler with its default wiring (clients and configuration from the
 * environment), a real bus whose rule targets an SQS queue.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { ChangeMapper } from '../../../lambdas/dualwrite/cdc/change-data-capture';
import type { StreamRelayHandler } from '../../../lambdas/dualwrite/relay/stream-relay-handler';
import { createOutboxTable, createQueueReceivingFromBus, documentClient, receiveAll, uniqueName, useLocalAwsEnvironment } from '../support/aws';
import { detailsOf, failedOutboxItems, lambdaContext, putItem, StreamReader } from '../relay/support';

const SOURCE = 'test.customers';

/** The CDC event source filter of docs/internals.md. */
const isCustomerState = (record: DynamoDBRecord) =>
  record.dynamodb?.Keys?.pk?.S?.startsWith('CUSTOMER#') === true && record.dynamodb?.Keys?.sk?.S === 'STATE';

const mapper: ChangeMapper = (change) => {
  const image = change.newImage ?? change.oldImage ?? {};
  if (image.name === 'explode') throw new Error('this customer cannot be mapped');
  const common = { source: SOURCE, aggregateType: 'Customer', aggregateId: String(image.customerId), correlationId: 'corr-cdc' };
  switch (change.eventName) {
    case 'INSERT':
      return { ...common, type: 'CustomerRegistered', aggregateVersion: Number(image.version), data: { name: image.name } };
    case 'REMOVE':
      return { ...common, type: 'CustomerDeleted', aggregateVersion: Number(image.version) + 1, data: {} };
    default:
      return undefined;
  }
};

describe('change data capture on the emulator', () => {
  let tableName: string;
  let queueUrl: string;
  let stream: StreamReader;
  let handler: StreamRelayHandler;

  beforeAll(async () => {
    const table = await createOutboxTable(uniqueName('cdc'));
    tableName = table.tableName;
    const busName = uniqueName('cdc-bus');
    queueUrl = await createQueueReceivingFromBus({ busName, pattern: { source: [SOURCE] } });
    stream = new StreamReader(tableName, table.streamArn, isCustomerState);
    useLocalAwsEnvironment();
    Object.assign(process.env, {
      EVENT_BUS_NAME: busName,
      OUTBOX_TABLE_NAME: tableName,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_SERVICE_NAME: 'cdc-integration-test',
      POWERTOOLS_METRICS_NAMESPACE: 'dualwrite-test',
    });
    // Imported only now: its Powertools utilities and SDK clients are built at import, from this environment.
    const { makeChangeDataCaptureHandler } = await import('../../../lambdas/dualwrite/cdc/change-data-capture.js');
    handler = makeChangeDataCaptureHandler({ mapper });
  }, 120_000);

  it('turns item changes into events with ids a redelivery reproduces, and keeps a failed mapping findable', async () => {
    await putItem(tableName, { pk: 'CUSTOMER#c1', sk: 'STATE', customerId: 'c1', name: 'Ada', version: 1 });
    await putItem(tableName, { pk: 'CUSTOMER#c2', sk: 'STATE', customerId: 'c2', name: 'explode', version: 1 });
    await putItem(tableName, { pk: 'CUSTOMER#c1', sk: 'STATE', customerId: 'c1', name: 'Ada L.', version: 2 }); // MODIFY: no event
    await documentClient().send(new DeleteCommand({ TableName: tableName, Key: { pk: 'CUSTOMER#c1', sk: 'STATE' } }));
    const event = await stream.next();
    expect(event.Records.map((r) => r.eventName)).toEqual(['INSERT', 'INSERT', 'MODIFY', 'REMOVE']);

    expect(await handler(event, lambdaContext)).toEqual({ batchItemFailures: [] });

    const first = detailsOf(await receiveAll(queueUrl, { expected: 3, timeoutMs: 2_000 }));
    expect(first.map((d) => d.type).sort()).toEqual(['CustomerDeleted', 'CustomerRegistered']);
    const registered = first.find((d) => d.type === 'CustomerRegistered');
    const creation = new Date((event.Records[0].dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString();
    expect(registered).toMatchObject({ aggregateId: 'c1', aggregateVersion: 1, occurredAt: creation, data: { name: 'Ada' } });

    const failures = await failedOutboxItems(tableName);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      pk: 'CUSTOMER#c2',
      sk: `FAILED#${event.Records[1].dynamodb?.SequenceNumber}`,
      failureCode: 'MalformedEvent',
      failureMessage: 'MapperError: the mapper threw: this customer cannot be mapped',
      sourceKeys: { pk: 'CUSTOMER#c2', sk: 'STATE' },
    });

    // Lambda delivers the same records again (a retry after a checkpoint, a crash): same event ids.
    expect(await handler(event, lambdaContext)).toEqual({ batchItemFailures: [] });
    const again = detailsOf(await receiveAll(queueUrl, { expected: 2 }));
    expect(again.map((d) => d.id).sort()).toEqual(first.map((d) => d.id).sort());
    expect(await failedOutboxItems(tableName)).toHaveLength(1);
  });
});
