/**
 * Synthetic DynamoDB stream batches of outbox INSERTs, shaped as Lambda hands them to the relay
 * (`@types/aws-lambda`): realistic OrderPlaced envelopes written by the service's own outbox code.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { newEnvelope } from '../../lambdas/dualwrite/envelope';
import { toOutboxItem } from '../../lambdas/dualwrite/outbox';
import { orderPlacedEvent, placeNewOrder } from '../../lambdas/service/orders/order';

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/Dualwrite-Table/stream/2026-01-01T00:00:00.000';

/**
 * Record `index` of a batch. With `aggregates`, records are dealt round-robin over that many orders
 * (record i belongs to order i mod aggregates, as its version ⌊i / aggregates⌋ + 1); without, each
 * record is an order of its own.
 */
function outboxRecord(batch: number, index: number, now: Date, aggregates?: number): DynamoDBRecord {
  const aggregate = aggregates === undefined ? index : index % aggregates;
  const version = aggregates === undefined ? 1 : Math.floor(index / aggregates) + 1;
  const orderId = `01BENCH${String(batch).padStart(6, '0')}${String(aggregate).padStart(4, '0')}`;
  const order = placeNewOrder(
    {
      orderId,
      customerId: `customer-${index % 37}`,
      items: [
        { sku: 'SKU-A', quantity: 1 + (index % 3), unitPriceCents: 1_250 },
        { sku: 'SKU-B', quantity: 1, unitPriceCents: 499 },
      ],
    },
    now,
  );
  const envelope = newEnvelope({ ...orderPlacedEvent(order, `corr-${batch}-${index}`), aggregateVersion: version }, now);
  const item = toOutboxItem(`ORDER#${orderId}`, envelope, undefined, now);
  const image = marshall(item, { removeUndefinedValues: true }) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
  const sequenceNumber = String(10n ** 20n + BigInt(batch * 1000 + index));
  return {
    eventID: `${batch}-${index}`,
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(now.getTime() / 1000),
      Keys: { pk: { S: item.pk }, sk: { S: item.sk } },
      NewImage: image,
      SequenceNumber: sequenceNumber,
      SizeBytes: JSON.stringify(image).length,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/**
 * One stream batch of `records` outbox INSERTs: each a distinct order's OrderPlaced, or, with
 * `aggregates`, dealt round-robin over that many orders.
 */
export function outboxStreamBatch(batch: number, records: number, now: Date = new Date(), aggregates?: number): DynamoDBStreamEvent {
  return { Records: Array.from({ length: records }, (_, index) => outboxRecord(batch, index, now, aggregates)) };
}

export function fakeLambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'bench-relay',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench-relay',
    memoryLimitInMB: '256',
    awsRequestId: 'bench-request',
    logGroupName: '/aws/lambda/bench-relay',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
