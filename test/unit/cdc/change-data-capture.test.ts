import type { Context } from 'aws-lambda';
import { decodeTime, isValid } from 'ulid';
import { describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '../../../lambdas/dualwrite/envelope';
import {
  ChangeFailureRecorder,
  deriveEventId,
  makeChangeDataCaptureHandler,
  type ChangeFailureRef,
  type ChangeMapper,
  type ItemChange,
} from '../../../lambdas/dualwrite/cdc/change-data-capture';
import { FakeEventBus, FakeFailureSink, FakeMetrics } from '../relay/fakes';
import { streamRecord } from '../relay/stream-fixtures';

const context = { getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
const quietLogger = { info: () => {}, warn: () => {}, error: () => {} };
const CREATED_AT_SECONDS = 1_767_225_600; // 2026-01-01T00:00:00Z

function customerRecord(sequenceNumber: string, customerId = 'c-1', eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT') {
  const keys = { pk: `CUSTOMER#${customerId}`, sk: 'STATE' };
  const state = { ...keys, customerId, name: 'Ada', email: 'ada@example.com', version: 1 };
  return streamRecord({
    eventName,
    keys,
    newImage: eventName === 'REMOVE' ? undefined : state,
    oldImage: eventName === 'INSERT' ? undefined : { ...state, name: 'Ada L.' },
    sequenceNumber,
    approximateCreationDateTime: CREATED_AT_SECONDS,
  });
}

const registered: ChangeMapper = (change) =>
  change.eventName === 'INSERT'
    ? {
        type: 'CustomerRegistered',
        source: 'test.customers',
        aggregateType: 'Customer',
        aggregateId: String(change.newImage?.customerId),
        aggregateVersion: Number(change.newImage?.version),
        correlationId: 'corr-1',
        data: { name: change.newImage?.name },
      }
    : undefined;

function handlerWith(mapper: ChangeMapper, bus = new FakeEventBus(), sink = new FakeFailureSink<ChangeFailureRef>()) {
  const handler = makeChangeDataCaptureHandler({ mapper, eventBusName: 'bus', tableName: 'things', publisher: bus, failureSink: sink, logger: quietLogger, metrics: new FakeMetrics() });
  return { handler, bus, sink };
}

const detailsOf = (bus: FakeEventBus) => bus.delivered.map((e) => JSON.parse(e.Detail) as EventEnvelope);

describe('deriveEventId', () => {
  const base = {
    tableName: 'things',
    keys: { pk: 'CUSTOMER#c-1', sk: 'STATE' },
    sequenceNumber: '100',
    index: 0,
    approximateCreationDateTime: new Date(CREATED_AT_SECONDS * 1000),
  };

  it('is a valid ULID whose time part is the record creation time', () => {
    const id = deriveEventId(base);
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isValid(id)).toBe(true);
    expect(decodeTime(id)).toBe(CREATED_AT_SECONDS * 1000);
  });

  it('is the same for the same record, whatever the order of its key attributes', () => {
    expect(deriveEventId({ ...base, keys: { sk: 'STATE', pk: 'CUSTOMER#c-1' } })).toBe(deriveEventId(base));
  });

  it('differs when the sequence number, the draft index, the key or the table differ', () => {
    const ids = [
      deriveEventId(base),
      deriveEventId({ ...base, sequenceNumber: '101' }),
      deriveEventId({ ...base, index: 1 }),
      deriveEventId({ ...base, keys: { pk: 'CUSTOMER#c-2', sk: 'STATE' } }),
      deriveEventId({ ...base, tableName: 'other' }),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id.slice(0, 10))).size).toBe(1);
  });
});

describe('change data capture handler', () => {
  it('publishes the mapped event with a derived id and occurredAt = the record creation time', async () => {
    const seen: ItemChange[] = [];
    const { handler, bus } = handlerWith((change) => (seen.push(change), registered(change)));
    expect(await handler({ Records: [customerRecord('100')] }, context)).toEqual({ batchItemFailures: [] });
    const [detail] = detailsOf(bus);
    expect(detail).toMatchObject({ type: 'CustomerRegistered', aggregateId: 'c-1', occurredAt: '2026-01-01T00:00:00.000Z', data: { name: 'Ada' } });
    expect(detail.id).toBe(
      deriveEventId({ tableName: 'things', keys: { pk: 'CUSTOMER#c-1', sk: 'STATE' }, sequenceNumber: '100', index: 0, approximateCreationDateTime: new Date(CREATED_AT_SECONDS * 1000) }),
    );
    expect(seen[0]).toMatchObject({ eventName: 'INSERT', tableName: 'things', sequenceNumber: '100', keys: { pk: 'CUSTOMER#c-1', sk: 'STATE' } });
    expect(seen[0].newImage).toMatchObject({ name: 'Ada', version: 1 });
    expect(seen[0].approximateCreationDateTime).toEqual(new Date(CREATED_AT_SECONDS * 1000));
  });

  it('gives a redelivered record the same event id, and a different record a different one', async () => {
    const { handler, bus } = handlerWith(registered);
    await handler({ Records: [customerRecord('100')] }, context);
    await handler({ Records: [customerRecord('100')] }, context);
    await handler({ Records: [customerRecord('200')] }, context);
    const ids = detailsOf(bus).map((d) => d.id);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('publishes nothing for a record the mapper maps to undefined', async () => {
    const { handler, bus, sink } = handlerWith(registered);
    expect(await handler({ Records: [customerRecord('100', 'c-1', 'MODIFY')] }, context)).toEqual({ batchItemFailures: [] });
    expect(bus.calls).toEqual([]);
    expect(sink.recorded).toEqual([]);
  });

  it('publishes every draft of a record, each with its own id', async () => {
    const { handler, bus } = handlerWith((change) => {
      const one = registered(change);
      return one === undefined || Array.isArray(one) ? one : [one, { ...one, type: 'WelcomeDue' }];
    });
    await handler({ Records: [customerRecord('100')] }, context);
    const details = detailsOf(bus);
    expect(details.map((d) => d.type)).toEqual(['CustomerRegistered', 'WelcomeDue']);
    expect(details[0].id).not.toBe(details[1].id);
  });

  it('sends a record whose mapper throws to the failure sink, and goes on', async () => {
    const { handler, bus, sink } = handlerWith((change) => {
      if (change.sequenceNumber === '100') throw new Error('no such customer tier');
      return registered(change);
    });
    expect(await handler({ Records: [customerRecord('100'), customerRecord('200', 'c-2')] }, context)).toEqual({ batchItemFailures: [] });
    expect(sink.recorded).toHaveLength(1);
    expect(sink.recorded[0].failure).toEqual({ code: 'MalformedEvent', message: 'MapperError: the mapper threw: no such customer tier' });
    expect(sink.recorded[0].item.ref).toMatchObject({ sequenceNumber: '100', keys: { pk: 'CUSTOMER#c-1', sk: 'STATE' } });
    expect(detailsOf(bus).map((d) => d.aggregateId)).toEqual(['c-2']);
  });

  it('sends a draft that is not a valid event to the failure sink', async () => {
    const { handler, bus, sink } = handlerWith((change) => ({ ...registered(change)!, aggregateVersion: 0 }) as never);
    await handler({ Records: [customerRecord('100')] }, context);
    expect(bus.calls).toEqual([]);
    expect(sink.recorded[0].failure.message).toMatch(/InvalidEnvelopeError: envelope field "aggregateVersion"/);
    expect(sink.recorded[0].item.ref.eventId).toHaveLength(26);
  });

  it('never turns its own failure items into events', async () => {
    const mapped: string[] = [];
    const { handler } = handlerWith((change) => (mapped.push(change.sequenceNumber), undefined));
    const failureItem = streamRecord({ keys: { pk: 'CUSTOMER#c-1', sk: 'FAILED#100' }, newImage: { pk: 'CUSTOMER#c-1', sk: 'FAILED#100' }, sequenceNumber: '300' });
    await handler({ Records: [failureItem, customerRecord('400')] }, context);
    expect(mapped).toEqual(['400']);
  });
});

describe('ChangeFailureRecorder', () => {
  it('writes a failure item beside the entity, listed by the FailedOutbox index', async () => {
    const sent: Array<{ name: string; input: { Item: Record<string, unknown>; TableName: string } }> = [];
    const client = {
      send: async (command: { constructor: { name: string }; input: unknown }) => {
        sent.push({ name: command.constructor.name, input: command.input as never });
        return {};
      },
    };
    const recorder = new ChangeFailureRecorder({ documentClient: client as never, tableName: 'table', now: () => new Date('2026-01-02T00:00:00.000Z') });
    await recorder.record(
      { itemIdentifier: '100', malformed: new Error('x'), ref: { tableName: 'things', keys: { pk: 'CUSTOMER#c-1', sk: 'STATE' }, sequenceNumber: '100' } },
      { code: 'MalformedEvent', message: 'MapperError: boom' },
    );
    expect(sent[0].name).toBe('PutCommand');
    expect(sent[0].input.TableName).toBe('table');
    expect(sent[0].input.Item).toEqual({
      pk: 'CUSTOMER#c-1',
      sk: 'FAILED#100',
      entityType: 'ChangeFailure',
      failedStatus: 'FAILED',
      failedAt: '2026-01-02T00:00:00.000Z',
      failureCode: 'MalformedEvent',
      failureMessage: 'MapperError: boom',
      sourceTableName: 'things',
      sourceKeys: { pk: 'CUSTOMER#c-1', sk: 'STATE' },
      sequenceNumber: '100',
    });
  });
});
