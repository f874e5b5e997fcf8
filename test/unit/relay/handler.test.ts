import type { Context } from 'aws-lambda';
import { describe, expect, it } from '@jest/globals';
import { toOutboxItem } from '../../../lambdas/dualwrite/outbox';
import { makeOutboxRelayHandler } from '../../../lambdas/dualwrite/relay/handler';
import type { OutboxItemRef } from '../../../lambdas/dualwrite/relay/stream-records';
import { envelope, FakeEventBus, FakeFailureSink, FakeMetrics, RecordingLogger } from './fakes';
import { streamRecord } from './stream-fixtures';

const context = { getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

function outboxRecord(version: number, sequenceNumber: string, event = envelope(version)) {
  const item = toOutboxItem('THING#thing-1', event);
  return streamRecord({ keys: { pk: item.pk, sk: item.sk }, newImage: { ...item }, sequenceNumber });
}

describe('outbox relay handler', () => {
  it('publishes the envelopes of outbox INSERTs in stream order and flushes metrics once', async () => {
    const bus = new FakeEventBus();
    let flushed = 0;
    const metrics = Object.assign(new FakeMetrics(), { publishStoredMetrics: () => void flushed++ });
    const handler = makeOutboxRelayHandler({ eventBusName: 'bus', publisher: bus, failureSink: new FakeFailureSink<OutboxItemRef>(), metrics });
    const events = [envelope(1), envelope(2)];
    const result = await handler({ Records: [outboxRecord(1, '100', events[0]), outboxRecord(2, '200', events[1])] }, context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(bus.delivered.map((e) => JSON.parse(e.Detail))).toEqual(events);
    expect(flushed).toBe(1);
  });

  it('skips, and logs, records that are not outbox INSERTs', async () => {
    const bus = new FakeEventBus();
    const logger = new RecordingLogger();
    const handler = makeOutboxRelayHandler({ eventBusName: 'bus', publisher: bus, failureSink: new FakeFailureSink<OutboxItemRef>(), logger });
    const modify = { ...outboxRecord(1, '100'), eventName: 'MODIFY' as const };
    const entity = streamRecord({ keys: { pk: 'THING#thing-1', sk: 'STATE' }, newImage: { pk: 'THING#thing-1', sk: 'STATE' }, sequenceNumber: '150' });
    const result = await handler({ Records: [modify, entity, outboxRecord(2, '200')] }, context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(bus.delivered.map((e) => JSON.parse(e.Detail).aggregateVersion)).toEqual([2]);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.attributes.sequenceNumber)).toEqual(['100', '150']);
  });

  it('sends an outbox image without a valid envelope to the failure sink with its keys', async () => {
    const bus = new FakeEventBus();
    const sink = new FakeFailureSink<OutboxItemRef>();
    const handler = makeOutboxRelayHandler({ eventBusName: 'bus', publisher: bus, failureSink: sink });
    const broken = streamRecord({
      keys: { pk: 'THING#thing-1', sk: 'OUTBOX#0000000001' },
      newImage: { pk: 'THING#thing-1', sk: 'OUTBOX#0000000001', envelope: { id: 'x' } },
      sequenceNumber: '100',
    });
    const result = await handler({ Records: [broken, outboxRecord(2, '200')] }, context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sink.recorded).toHaveLength(1);
    expect(sink.recorded[0].item.ref.key).toEqual({ pk: 'THING#thing-1', sk: 'OUTBOX#0000000001' });
    expect(sink.recorded[0].failure.code).toBe('MalformedEvent');
    expect(sink.recorded[0].failure.message).toMatch(/InvalidEnvelopeError: envelope field "type"/);
    expect(bus.delivered).toHaveLength(1);
  });

  it('returns the checkpoint as a partial batch response', async () => {
    const denied = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    const bus = new FakeEventBus(() => {
      throw denied;
    });
    const handler = makeOutboxRelayHandler({ eventBusName: 'bus', publisher: bus, failureSink: new FakeFailureSink<OutboxItemRef>() });
    expect(await handler({ Records: [outboxRecord(1, '100'), outboxRecord(2, '200')] }, context)).toEqual({
      batchItemFailures: [{ itemIdentifier: '100' }],
    });
  });

  it('reads its configuration on the first invocation and names what is missing', async () => {
    const handler = makeOutboxRelayHandler(() => {
      throw new Error('EVENT_BUS_NAME environment variable is not set');
    });
    await expect(handler({ Records: [] }, context)).rejects.toThrow('EVENT_BUS_NAME environment variable is not set');
  });
});
