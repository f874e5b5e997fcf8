import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it } from '@jest/globals';
import { MissingConfigurationError } from '../../../lambdas/dualwrite/config';
import {
  DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS,
  makeIdempotentEventConsumer,
  parseEventBridgeMessage,
  InvalidEventMessageError,
  type EnvelopeEvent,
} from '../../../lambdas/dualwrite/consumer/idempotent-event-consumer';
import { EarlyEventError } from '../../../lambdas/dualwrite/consumer/ordering-guard';
import { InMemoryPersistenceLayer } from './support/in-memory-persistence-layer';
import { envelope, eventBridgeEventOf, lambdaContext, sqsEventOf, sqsRecordOf } from './support/sqs-events';
import { restoreEnv, stubEnv } from '../../support/env';

const silentLogger = new Logger({ logLevel: 'SILENT' });

function consumerWith(recordHandler: (event: EnvelopeEvent) => Promise<unknown>, persistenceStore = new InMemoryPersistenceLayer()) {
  const handled: string[] = [];
  const handler = makeIdempotentEventConsumer(
    async (event) => {
      handled.push(event.detail.id);
      return recordHandler(event);
    },
    { persistenceStore, logger: silentLogger, keyPrefix: 'test' },
  );
  return { handler, handled, persistenceStore };
}

describe('makeIdempotentEventConsumer', () => {
  afterEach(() => {
    restoreEnv();
  });

  it('gives the record handler the EventBridge event with the envelope in detail', async () => {
    const seen: EnvelopeEvent[] = [];
    const { handler } = consumerWith(async (event) => {
      seen.push(event);
    });
    const event = envelope({ type: 'OrderPlaced', data: { a: 1 } });

    const response = await handler(sqsEventOf(sqsRecordOf(event)), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.['detail-type']).toBe('OrderPlaced');
    expect(seen[0]?.detail).toEqual(event);
  });

  it('processes one envelope once although it arrives with new EventBridge and SQS ids', async () => {
    const { handler, handled } = consumerWith(async () => 'done');
    const event = envelope();

    const first = await handler(sqsEventOf(sqsRecordOf(event), sqsRecordOf(event)), lambdaContext());
    const later = await handler(sqsEventOf(sqsRecordOf(event)), lambdaContext());

    expect(first.batchItemFailures).toEqual([]);
    expect(later.batchItemFailures).toEqual([]);
    expect(handled).toEqual([event.id]);
  });

  it('keys on detail.id, not on the EventBridge id: two envelopes under one EventBridge id both run', async () => {
    const { handler, handled } = consumerWith(async () => undefined);
    const one = envelope({ aggregateId: 'a' });
    const two = envelope({ aggregateId: 'b' });
    const sameEventBridgeId = (detail: typeof one) => JSON.stringify({ ...eventBridgeEventOf(detail), id: 'same-eventbridge-id' });

    await handler(sqsEventOf(sqsRecordOf(sameEventBridgeId(one)), sqsRecordOf(sameEventBridgeId(two))), lambdaContext());

    expect(handled).toEqual([one.id, two.id]);
  });

  it('fails only the record whose body carries no envelope, and processes the others', async () => {
    const { handler, handled } = consumerWith(async () => undefined);
    const good = envelope();
    const notJson = sqsRecordOf('not json', 'not-json');
    const noDetail = sqsRecordOf(JSON.stringify({ 'detail-type': 'X', source: 'y' }), 'no-detail');
    const badEnvelope = sqsRecordOf(JSON.stringify({ 'detail-type': 'X', source: 'y', detail: { id: 'only-an-id' } }), 'bad-envelope');

    const response = await handler(sqsEventOf(notJson, sqsRecordOf(good, 'good'), noDetail, badEnvelope), lambdaContext());

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(['bad-envelope', 'no-detail', 'not-json']);
    expect(handled).toEqual([good.id]);
  });

  it('fails the record whose handler throws, and runs it again when it is redelivered', async () => {
    let attempts = 0;
    const failing = envelope({ aggregateId: 'fails-once' });
    const { handler, handled } = consumerWith(async (event) => {
      if (event.detail.id === failing.id && attempts++ === 0) throw new Error('downstream unavailable');
    });
    const fine = envelope({ aggregateId: 'fine' });

    const first = await handler(sqsEventOf(sqsRecordOf(failing, 'failing'), sqsRecordOf(fine, 'fine')), lambdaContext());
    const redelivery = await handler(sqsEventOf(sqsRecordOf(failing, 'failing-again')), lambdaContext());

    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'failing' }]);
    expect(redelivery.batchItemFailures).toEqual([]);
    expect(handled).toEqual([failing.id, fine.id, failing.id]);
  });

  it('reports a batch in which every record failed as failures instead of throwing', async () => {
    const { handler } = consumerWith(async (event) => {
      throw new EarlyEventError('THING#1', 1, event.detail.aggregateVersion);
    });

    const response = await handler(sqsEventOf(sqsRecordOf(envelope({ aggregateVersion: 3 }), 'early')), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'early' }]);
  });

  it('processes the records of a batch one after another, in batch order', async () => {
    const order: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const { handler } = consumerWith(async (event) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Promise.resolve();
      order.push(event.detail.aggregateId);
      inFlight--;
    });
    const events = ['a', 'b', 'c', 'd'].map((aggregateId) => envelope({ aggregateId }));

    await handler(sqsEventOf(...events.map((event) => sqsRecordOf(event))), lambdaContext());

    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(maxInFlight).toBe(1);
  });

  it('remembers an event for three days by default, under its key prefix', async () => {
    const { handler, persistenceStore } = consumerWith(async () => ({ ok: true }));
    const before = Math.floor(Date.now() / 1000);

    await handler(sqsEventOf(sqsRecordOf(envelope())), lambdaContext());

    expect(DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS).toBe(259_200);
    const records = [...persistenceStore.records.values()];
    expect(records).toHaveLength(1);
    expect(records[0]?.idempotencyKey.startsWith('test#')).toBe(true);
    expect(records[0]?.getStatus()).toBe('COMPLETED');
    expect(records[0]?.expiryTimestamp).toBeGreaterThanOrEqual(before + DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS);
    expect(records[0]?.expiryTimestamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS + 1);
  });

  it('fails fast, naming the variable, when no idempotency table is configured', () => {
    stubEnv('IDEMPOTENCY_TABLE_NAME', '');
    expect(() => makeIdempotentEventConsumer(async () => undefined)).toThrow(MissingConfigurationError);
    expect(() => makeIdempotentEventConsumer(async () => undefined)).toThrow(/IDEMPOTENCY_TABLE_NAME/);
  });
});

describe('parseEventBridgeMessage', () => {
  it('names the message and the reason', () => {
    expect(() => parseEventBridgeMessage({ messageId: 'm-1', body: '[]' })).toThrow(InvalidEventMessageError);
    expect(() => parseEventBridgeMessage({ messageId: 'm-1', body: '[]' })).toThrow(/m-1.*not a JSON object/);
    const noVersion = { ...envelope(), aggregateVersion: 0 };
    expect(() =>
      parseEventBridgeMessage({ messageId: 'm-2', body: JSON.stringify({ 'detail-type': 'X', source: 'y', detail: noVersion }) }),
    ).toThrow(/aggregateVersion/);
  });
});
