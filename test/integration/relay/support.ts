/**
 * Steps shared by the relay and CDC integration tests: write through the outbox writer, read the
 * table's real stream as Lambda would hand it over, and wrap the real publisher to inject the
 * failures moto cannot produce (docs/design.md#test-layers: mocks only for failure shapes the emulator lacks).
 */
import { QueryCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { toLambdaDynamoDBRecord } from '../../../local/dynamodb-stream-records';
import { newEnvelope, type EventEnvelope, type PutEventsEntry } from '../../../lambdas/dualwrite/envelope';
import type { EventPublisher, PublishResultEntry } from '../../../lambdas/dualwrite/relay/relay-algorithm';
import { writeWithOutbox } from '../../../lambdas/dualwrite/transactional-outbox-writer';
import { documentClient, readStreamRecords } from '../support/aws';

export const SOURCE = 'test.orders';

export const lambdaContext = { getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

export const quietLogger = { info: () => {}, warn: () => {}, error: () => {} };
export const noMetrics = { addMetric: () => {} };

export function orderEvent(orderId: string, version: number, occurredAt?: Date): EventEnvelope {
  return newEnvelope({
    type: version === 1 ? 'OrderPlaced' : 'OrderChanged',
    source: SOURCE,
    aggregateType: 'Order',
    aggregateId: orderId,
    aggregateVersion: version,
    correlationId: `corr-${orderId}-${version}`,
    data: { orderId, version },
    ...(occurredAt === undefined ? {} : { occurredAt }),
  });
}

/** Writes version `version` of an order with its event, guarded by the previous version, in one transaction. */
export async function writeOrderVersion(tableName: string, orderId: string, version: number, expectedVersion = version - 1): Promise<EventEnvelope> {
  const envelope = orderEvent(orderId, version);
  const pk = `ORDER#${orderId}`;
  await writeWithOutbox(documentClient(), {
    tableName,
    writes: [
      version === 1
        ? { Put: { TableName: tableName, Item: { pk, sk: 'STATE', orderId, version }, ConditionExpression: 'attribute_not_exists(pk)' } }
        : {
            Update: {
              TableName: tableName,
              Key: { pk, sk: 'STATE' },
              UpdateExpression: 'SET version = :next',
              ConditionExpression: 'version = :expected',
              ExpressionAttributeValues: { ':next': version, ':expected': expectedVersion },
            },
          },
    ],
    events: [{ partitionKey: pk, envelope }],
  });
  return envelope;
}

/** What the relay's event source filter lets through: INSERTs of outbox items. */
export const isOutboxInsert = (record: DynamoDBRecord) =>
  record.eventName === 'INSERT' && record.dynamodb?.Keys?.sk?.S?.startsWith('OUTBOX#') === true;

/**
 * The table's stream as an event source mapping would deliver it: real records, converted to
 * Lambda's shape, filtered, and only those not delivered before (the cursor remembers them).
 */
export class StreamReader {
  private readonly delivered = new Set<string>();
  constructor(
    private readonly tableName: string,
    private readonly streamArn: string,
    private readonly filter: (record: DynamoDBRecord) => boolean,
  ) {}

  async next(): Promise<DynamoDBStreamEvent> {
    const records = (await readStreamRecords(this.tableName)).map((record) => toLambdaDynamoDBRecord(record, this.streamArn));
    const fresh = records.filter((record) => !this.delivered.has(record.dynamodb?.SequenceNumber ?? ''));
    for (const record of fresh) this.delivered.add(record.dynamodb?.SequenceNumber ?? '');
    return { Records: fresh.filter(this.filter) };
  }
}

/**
 * The real publisher with a failure injected: `fail` decides, per entry and call, an error code to
 * answer instead of sending that entry; every other entry goes to the real bus in the same call.
 */
export class FailureInjectingPublisher implements EventPublisher {
  calls = 0;
  constructor(
    private readonly real: EventPublisher,
    private readonly fail: (envelope: EventEnvelope, call: number) => string | undefined,
  ) {}

  async putEvents(entries: readonly PutEventsEntry[]): Promise<PublishResultEntry[]> {
    const call = this.calls++;
    const verdicts = entries.map((entry) => this.fail(JSON.parse(entry.Detail) as EventEnvelope, call));
    const passed = entries.filter((_, i) => verdicts[i] === undefined);
    const realResults = passed.length === 0 ? [] : await this.real.putEvents(passed);
    let next = 0;
    return verdicts.map((code) => (code === undefined ? realResults[next++] : { errorCode: code, errorMessage: `injected ${code}` }));
  }
}

export async function failedOutboxItems(tableName: string): Promise<Array<Record<string, unknown>>> {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: tableName,
      IndexName: 'FailedOutbox',
      KeyConditionExpression: 'failedStatus = :failed',
      ExpressionAttributeValues: { ':failed': 'FAILED' },
    }),
  );
  return Items;
}

export async function putItem(tableName: string, item: Record<string, unknown>): Promise<void> {
  await documentClient().send(new PutCommand({ TableName: tableName, Item: item }));
}

/** The `detail` of each EventBridge event that reached the queue. */
export function detailsOf(messages: Array<{ Body?: string }>): EventEnvelope[] {
  return messages.map((message) => (JSON.parse(message.Body ?? '{}') as { detail: EventEnvelope }).detail);
}
