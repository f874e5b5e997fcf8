import { describe, expect, it } from '@jest/globals';
import { relayEvents } from '../../../lambdas/dualwrite/relay/relay-algorithm';
import { FakeClock, FakeEventBus, FakeFailureSink, item, RecordingLogger } from './fakes';

describe('relay log lines carry the correlation id of their events', () => {
  it('names it on the line of each published and each failed event', async () => {
    const logger = new RecordingLogger();
    const bus = new FakeEventBus((entries) =>
      entries.map((entry) => (JSON.parse(entry.Detail).aggregateVersion === 2 ? { errorCode: 'MalformedDetail', errorMessage: 'bad' } : {})),
    );
    const clock = new FakeClock();
    const events = [item(1, { correlationId: 'corr-a' }), item(2, { correlationId: 'corr-b' }), item(3, { correlationId: 'corr-c' })];

    await relayEvents(events, { eventBusName: 'bus', publisher: bus, failureSink: new FakeFailureSink(), remainingTimeMs: clock.remainingTimeMs, sleep: clock.sleep, logger });

    const published = logger.lines.filter((line) => line.message === 'event published');
    expect(published.map((line) => line.attributes.correlationId)).toEqual(['corr-a', 'corr-c']);
    expect(published.map((line) => line.attributes.eventId)).toEqual([events[0]!.envelope!.id, events[2]!.envelope!.id]);
    const failed = logger.lines.filter((line) => line.level === 'warn');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.attributes).toMatchObject({ correlationId: 'corr-b', eventId: events[1]!.envelope!.id });
  });

  it('names the correlation ids of the entries it retries, and of the record it stops at', async () => {
    const logger = new RecordingLogger();
    const bus = new FakeEventBus((entries) => entries.map(() => ({ errorCode: 'ThrottlingException' })));
    const clock = FakeClock.withBudget(10_000);

    await relayEvents([item(1, { correlationId: 'corr-x' })], {
      eventBusName: 'bus',
      publisher: bus,
      failureSink: new FakeFailureSink(),
      remainingTimeMs: clock.remainingTimeMs,
      sleep: clock.sleep,
      random: () => 0.5,
      safetyMarginMs: 5_000,
      logger,
    });

    const retry = logger.lines.find((line) => line.message.startsWith('retrying'));
    expect(retry?.attributes.correlationIds).toEqual(['corr-x']);
    const stopped = logger.lines.find((line) => line.level === 'error');
    expect(stopped?.attributes.correlationId).toBe('corr-x');
  });
});
