/**
 * Transaction log tailing when Lambda redelivers a stream record, on the emulator: a PUT through
 * the API writes the customer, the customers CDC logic runs twice on the same stream batch, the bus
 * rule delivers both copies to SQS, and the timeline consumer turns them into ONE timeline entry.
 *
 * The timeline's ordering guard would hide a duplicate on its own (version 1 twice is "duplicate"),
 * so the proof that the copies are the same event is the idempotency table: one record, because
 * the CDC event id is derived from the stream record and both copies carry the same `detail.id`.
 */
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { matchesPattern } from '../../../local/filter-criteria';
import { toLambdaSqsRecord } from '../../../local/sqs-records';
import { queueArnOf } from '../../../tools/redrive/sqs-helpers';
import type { StreamRelayHandler } from '../../../lambdas/dualwrite/relay/stream-relay-handler';
import { mapCustomerChange } from '../../../lambdas/service/customers/customer-change-mapper';
import { CUSTOMER_EVENT_SOURCE } from '../../../lambdas/service/customers/customer';
import { DynamoDbTimelineRepository } from '../../../lambdas/service/timeline/dynamodb-timeline-repository';
import { makeTimelineConsumer, TIMELINE_CONSUMER_KEY_PREFIX } from '../../../lambdas/service/timeline/timeline-consumer';
import { lambdaContext, sqsEventOf } from '../../unit/consumer/support/sqs-events';
import { apiEvent, parseResponse } from '../../unit/service/support/api-events';
import { createIdempotencyTable, dynamoPersistence, silentLogger } from '../consumer/support';
import { detailsOf, StreamReader } from '../relay/support';
import {
  createQueueReceivingFromBus,
  documentClient,
  receiveAll,
  scanItems,
  sqsClient,
  streamArnOf,
  uniqueName,
  useLocalAwsEnvironment,
} from '../support/aws';
import { serviceOnFreshTable, type ServiceUnderTest } from './support';

/** The CDC event source filter of docs/internals.md. */
const CDC_FILTER = { dynamodb: { Keys: { pk: { S: [{ prefix: 'CUSTOMER#' }] }, sk: { S: ['STATE'] } } } };
const isCustomerState = (record: DynamoDBRecord) => matchesPattern(record, CDC_FILTER);

/** How Lambda hands the two copies to the consumer: together in one batch, or one invocation each. */
const deliveries: Array<[string, (records: SQSRecord[]) => SQSRecord[][]]> = [
  ['in one batch', (records) => [records]],
  ['in two separate invocations', (records) => records.map((record) => [record])],
];

describe('a redelivered customer stream record on the emulator', () => {
  let service: ServiceUnderTest;
  let stream: StreamReader;
  let queueUrl: string;
  let queueArn: string;
  let changeDataCapture: StreamRelayHandler;

  beforeAll(async () => {
    service = await serviceOnFreshTable('customer-redelivery');
    stream = new StreamReader(service.tableName, await streamArnOf(service.tableName), isCustomerState);
    const busName = uniqueName('customer-redelivery-bus');
    queueUrl = await createQueueReceivingFromBus({ busName, pattern: { source: [CUSTOMER_EVENT_SOURCE] } });
    queueArn = await queueArnOf(sqsClient(), queueUrl);
    useLocalAwsEnvironment();
    Object.assign(process.env, {
      EVENT_BUS_NAME: busName,
      OUTBOX_TABLE_NAME: service.tableName,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_SERVICE_NAME: 'customer-redelivery-test',
      POWERTOOLS_METRICS_NAMESPACE: 'dualwrite-test',
    });
    // Imported only now: its Powertools utilities and SDK clients are built at import, from this environment.
    const { makeChangeDataCaptureHandler } = await import('../../../lambdas/dualwrite/cdc/change-data-capture.js');
    changeDataCapture = makeChangeDataCaptureHandler({ mapper: mapCustomerChange });
  }, 120_000);

  it.each(deliveries)('one CustomerRegistered in the timeline when both copies arrive %s', async (_, invocationsOf) => {
    const customerId = uniqueName('cust');
    const put = parseResponse(
      await service.api(
        apiEvent({ method: 'PUT', resource: '/customers/{customerId}', pathParameters: { customerId }, body: { name: 'Ann', email: 'ann@example.com' } }),
      ),
    );
    expect(put.statusCode).toBe(200);
    const batch = await stream.next();
    expect(batch.Records.map((record) => record.eventName)).toEqual(['INSERT']);

    // Lambda runs the CDC function on the same batch again (a retry after a timeout, a crash).
    expect(await changeDataCapture(batch, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await changeDataCapture(batch, lambdaContext())).toEqual({ batchItemFailures: [] });

    const messages = await receiveAll(queueUrl, { expected: 2 });
    expect(messages).toHaveLength(2);
    const eventBridgeIds = messages.map((message) => (JSON.parse(message.Body ?? '{}') as { id: string }).id);
    expect(new Set(eventBridgeIds).size).toBe(2);
    expect(new Set(messages.map((message) => message.MessageId)).size).toBe(2);
    const [first, second] = detailsOf(messages);
    expect(first).toMatchObject({ type: 'CustomerRegistered', aggregateId: customerId, aggregateVersion: 1 });
    expect(second?.id).toBe(first?.id);

    const idempotencyTable = await createIdempotencyTable();
    const consumer = makeTimelineConsumer(
      { timelines: new DynamoDbTimelineRepository(documentClient(), service.tableName) },
      { persistenceStore: dynamoPersistence(idempotencyTable), logger: silentLogger },
    );
    for (const records of invocationsOf(messages.map((message) => toLambdaSqsRecord(message, queueArn)))) {
      expect(await consumer(sqsEventOf(...records), lambdaContext())).toEqual({ batchItemFailures: [] });
    }

    const timeline = parseResponse(
      await service.api(apiEvent({ method: 'GET', resource: '/customers/{customerId}/timeline', pathParameters: { customerId } })),
    );
    expect(timeline.json).toEqual({ customerId, events: [{ version: 1, type: 'CustomerRegistered', eventId: first?.id }] });
    // One record, written by the copy that applied: the other copy never reached the timeline code.
    const records = await scanItems(idempotencyTable);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'COMPLETED', data: 'applied' });
    expect(records[0]?.id).toMatch(new RegExp(`^${TIMELINE_CONSUMER_KEY_PREFIX}#`));
  });
});
