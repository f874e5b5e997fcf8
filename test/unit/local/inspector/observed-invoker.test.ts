import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from '@jest/globals';
import { deriveEventId } from '../../../../lambdas/dualwrite/cdc/change-data-capture';
import type { FunctionInvoker } from '../../../../local/function-invoker';
import { EventJournal, type EnvelopeLike } from '../../../../local/inspector/journal';
import { observedInvoker, type InvocationObserver } from '../../../../local/inspector/observed-invoker';
import type { InvocationResult } from '../../../../local/lambda-runtime';

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2026-01-01T00:00:00.000';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:TimelineQueue';

const envelope: EnvelopeLike = {
  id: '01EVENT',
  type: 'OrderPlaced',
  source: 'dualwrite.orders',
  aggregateType: 'Order',
  aggregateId: 'o-1',
  aggregateVersion: 1,
  occurredAt: '2026-01-01T00:00:00.250Z',
  correlationId: 'req-1',
};

function streamRecord(sequenceNumber: string, keys: Record<string, unknown>, newImage: Record<string, unknown>, createdSeconds = 1_767_225_600): DynamoDBRecord {
  return {
    eventSource: 'aws:dynamodb',
    eventName: 'INSERT',
    eventSourceARN: STREAM_ARN,
    dynamodb: {
      SequenceNumber: sequenceNumber,
      ApproximateCreationDateTime: createdSeconds,
      Keys: marshall(keys) as never,
      NewImage: marshall(newImage, { removeUndefinedValues: true }) as never,
    },
  };
}

function sqsRecord(messageId: string, detail: unknown, sentAt: number): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: JSON.stringify({ 'detail-type': 'OrderPlaced', source: 'dualwrite.orders', detail }),
    attributes: { SentTimestamp: String(sentAt), ApproximateReceiveCount: '1', SenderId: 's', ApproximateFirstReceiveTimestamp: String(sentAt) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: 'us-east-1',
  };
}

/** A function that answers each invocation with the next result given. */
function scriptedFunction(name: string, ...results: InvocationResult[]): FunctionInvoker & { events: unknown[] } {
  const events: unknown[] = [];
  return {
    functionName: name,
    functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    events,
    invoke: async (event) => {
      events.push(event);
      return results.shift()!;
    },
  };
}

const ok = (payload: unknown = {}): InvocationResult => ({ requestId: 'r', ok: true, payload, durationMs: 1 });
const failedInvocation: InvocationResult = {
  requestId: 'r',
  ok: false,
  error: { errorType: 'Error', errorMessage: 'refused', trace: [] },
  timedOut: false,
  durationMs: 1,
};

function observer(): InvocationObserver {
  return { journal: new EventJournal(), iteratorAges: new Map(), partitionKeyOf: (table) => (table === 'Orders' ? 'pk' : undefined) };
}

describe('observedInvoker', () => {
  it('passes the event and the result through unchanged', async () => {
    const fn = scriptedFunction('Relay', ok({ batchItemFailures: [] }));
    const watched = observedInvoker(fn, observer());
    const event = { Records: [streamRecord('100', { pk: 'ORDER#o-1', sk: 'OUTBOX#0000000001' }, { envelope })] };
    await expect(watched.invoke(event)).resolves.toEqual(ok({ batchItemFailures: [] }));
    expect(fn.events).toEqual([event]);
    expect(watched.functionName).toBe('Relay');
  });

  it('files an outbox record as committed, published once the relay reports it done, with its aggregate and the iterator age', async () => {
    const watching = observer();
    const record = streamRecord('100', { sk: 'OUTBOX#0000000001', pk: 'ORDER#o-1' }, { pk: 'ORDER#o-1', sk: 'OUTBOX#0000000001', envelope });
    await observedInvoker(scriptedFunction('Relay', ok()), watching).invoke({ Records: [record] });

    const event = watching.journal.get('01EVENT')!;
    expect(event.hops.map((hop) => hop.kind)).toEqual(['committed', 'published']);
    expect(event.hops[0]!.at).toBe(Date.parse(envelope.occurredAt));
    expect(event.hops[1]!.where).toBe('Relay');
    expect(event.aggregate).toEqual({ tableName: 'Orders', partitionKeyName: 'pk', partitionKeyValue: 'ORDER#o-1' });
    const age = watching.iteratorAges.get('Relay')!;
    expect(age.ageMs).toBe(age.at - 1_767_225_600_000);
  });

  it('does not call an outbox record published when the relay names it in batchItemFailures, or fails', async () => {
    const watching = observer();
    const record = streamRecord('100', { pk: 'ORDER#o-1', sk: 'OUTBOX#0000000001' }, { envelope });
    await observedInvoker(scriptedFunction('Relay', ok({ batchItemFailures: [{ itemIdentifier: '100' }] }), failedInvocation), watching).invoke({ Records: [record] });
    await observedInvoker(scriptedFunction('Relay', failedInvocation), watching).invoke({ Records: [record] });
    expect(watching.journal.get('01EVENT')!.hops.map((hop) => hop.kind)).toEqual(['committed']);
  });

  it('files a change data capture publication under the id the CDC derives from the record, before the event reaches a queue', async () => {
    const watching = observer();
    const keys = { pk: 'CUSTOMER#c-1', sk: 'STATE' };
    await observedInvoker(scriptedFunction('Cdc', ok()), watching).invoke({ Records: [streamRecord('200', keys, { ...keys, name: 'Ada' })] });
    const id = deriveEventId({ tableName: 'Orders', keys, sequenceNumber: '200', index: 0, approximateCreationDateTime: new Date(1_767_225_600_000) });
    expect(watching.journal.get(id)).toBeUndefined(); // no envelope seen yet: not listed

    const cdcEnvelope = { ...envelope, id, type: 'CustomerRegistered', aggregateType: 'Customer', aggregateId: 'c-1' };
    await observedInvoker(scriptedFunction('Timeline', ok()), watching).invoke({ Records: [sqsRecord('m1', cdcEnvelope, 1_767_225_601_000)] });
    expect(watching.journal.get(id)!.hops.map((hop) => `${hop.kind} ${hop.where}`)).toEqual([
      'committed Customer',
      'published Cdc',
      'delivered TimelineQueue',
      'applied Timeline',
    ]);
  });

  it('files an SQS message as delivered at its SentTimestamp, then applied or refused by the consumer', async () => {
    const watching = observer();
    const other = { ...envelope, id: '01OTHER' };
    await observedInvoker(scriptedFunction('Timeline', ok({ batchItemFailures: [{ itemIdentifier: 'm2' }] })), watching).invoke({
      Records: [sqsRecord('m1', envelope, 1_000), sqsRecord('m2', other, 1_001)],
    });
    await observedInvoker(scriptedFunction('Timeline', failedInvocation), watching).invoke({ Records: [sqsRecord('m3', other, 1_002)] });

    const applied = watching.journal.get('01EVENT')!;
    expect(applied.status).toBe('applied');
    expect(applied.hops.find((hop) => hop.kind === 'delivered')).toMatchObject({ at: 1_000, where: 'TimelineQueue', messageId: 'm1' });
    const refused = watching.journal.get('01OTHER')!;
    expect(refused.status).toBe('delivered');
    expect(refused.hops.filter((hop) => hop.kind === 'refused').map((hop) => hop.detail)).toEqual([undefined, 'Error']);
  });

  it('ignores messages that carry no envelope', async () => {
    const watching = observer();
    await observedInvoker(scriptedFunction('Timeline', ok()), watching).invoke({ Records: [sqsRecord('m1', { hello: 'world' }, 1_000)] });
    expect(watching.journal.list()).toEqual([]);
  });
});
