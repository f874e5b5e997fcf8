import { randomUUID } from 'node:crypto';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { newEnvelope, type EventEnvelope, type NewEventInput } from '../../../../lambdas/dualwrite/envelope';

/** An envelope with sensible defaults; override any field. */
export function envelope(overrides: Partial<NewEventInput> = {}): EventEnvelope {
  return newEnvelope({
    type: 'ThingHappened',
    source: 'test.things',
    aggregateType: 'Thing',
    aggregateId: 'thing-1',
    aggregateVersion: 1,
    correlationId: 'correlation-1',
    data: {},
    ...overrides,
  });
}

/** The EventBridge event the relay's PutEvents becomes; a new EventBridge id on every call (as on every publish). */
export function eventBridgeEventOf(detail: EventEnvelope): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detail.type,
    source: detail.source,
    account: '000000000000',
    time: detail.occurredAt,
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

/** An SQS record as an EventBridge → SQS target delivers it; a new message id each time. */
export function sqsRecordOf(body: EventEnvelope | string, messageId: string = randomUUID()): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(eventBridgeEventOf(body)),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAEVENTBRIDGE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:consumer-queue',
    awsRegion: 'us-east-1',
  };
}

export function sqsEventOf(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** Enough of a Lambda context for Powertools (remaining time drives the in-progress expiry). */
export function lambdaContext(remainingMs = 30_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test-consumer',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test-consumer',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/test-consumer',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
