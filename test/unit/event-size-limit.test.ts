/**
 * EventBridge's size limit as a setting: 256 KB by default (the PutEvents API reference), up to
 * 1 MiB when a deployer raises it. The writer refuses an event the relay could never publish
 * (an API answers 413) and writes nothing; the relay publishes what fits the raised limit.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { EnvelopeTooLargeError, envelopeEntrySize, MAX_PUT_EVENTS_BYTES, MAX_RAISED_PUT_EVENTS_BYTES } from '../../lambdas/dualwrite/envelope';
import { relayEvents } from '../../lambdas/dualwrite/relay/relay-algorithm';
import { writeWithOutbox } from '../../lambdas/dualwrite/transactional-outbox-writer';
import { errorResponse } from '../../lambdas/service/http/error-response';
import { envelope, FakeClock, FakeEventBus, FakeFailureSink, item } from './relay/fakes';

/** An event whose PutEvents entry is about `bytes` long. */
function eventOfAbout(bytes: number) {
  return envelope(1, { data: { pad: 'x'.repeat(bytes) } });
}

function countingClient() {
  let sent = 0;
  const client = { send: async () => ((sent += 1), {}) } as unknown as DynamoDBDocumentClient;
  return { client, sent: () => sent };
}

describe('writeWithOutbox and the PutEvents size limit', () => {
  it('refuses an event over 256 KB by default, naming sizes, and writes nothing', async () => {
    const { client, sent } = countingClient();
    const big = eventOfAbout(300 * 1024);
    const attempt = writeWithOutbox(client, { tableName: 't', writes: [], events: [{ partitionKey: 'THING#1', envelope: big }] });
    await expect(attempt).rejects.toThrow(EnvelopeTooLargeError);
    await expect(attempt).rejects.toThrow(`the limit is ${MAX_PUT_EVENTS_BYTES} bytes`);
    expect(sent()).toBe(0);
    // …which the API answers with a 413 that says why.
    const error = await attempt.catch((e: unknown) => e);
    expect(errorResponse(error, 'corr').statusCode).toBe(413);
  });

  it('writes the same event when the limit is raised to the relay\'s, and still refuses one over it', async () => {
    const { client, sent } = countingClient();
    const big = eventOfAbout(300 * 1024);
    await writeWithOutbox(client, { tableName: 't', writes: [], events: [{ partitionKey: 'THING#1', envelope: big }], maxEventBytes: MAX_RAISED_PUT_EVENTS_BYTES });
    expect(sent()).toBe(1);
    const tooBig = eventOfAbout(MAX_RAISED_PUT_EVENTS_BYTES);
    await expect(
      writeWithOutbox(client, { tableName: 't', writes: [], events: [{ partitionKey: 'THING#1', envelope: tooBig }], maxEventBytes: MAX_RAISED_PUT_EVENTS_BYTES }),
    ).rejects.toThrow(EnvelopeTooLargeError);
    expect(sent()).toBe(1);
  });

  it('refuses a limit above 1 MiB', async () => {
    const { client } = countingClient();
    await expect(
      writeWithOutbox(client, { tableName: 't', writes: [], events: [{ partitionKey: 'THING#1', envelope: envelope(1) }], maxEventBytes: MAX_RAISED_PUT_EVENTS_BYTES + 1 }),
    ).rejects.toThrow(/maxEventBytes must be a whole number from 1 to 1048576/);
  });
});

describe('the relay and a raised PutEvents size limit', () => {
  it('publishes a 300 KB event under a 1 MiB limit, and marks it FAILED under the default', async () => {
    const large = { ...item(1), envelope: eventOfAbout(300 * 1024) };
    expect(envelopeEntrySize(large.envelope)).toBeGreaterThan(MAX_PUT_EVENTS_BYTES);
    const clock = new FakeClock();
    const common = { eventBusName: 'bus', remainingTimeMs: clock.remainingTimeMs, sleep: clock.sleep };

    const raised = new FakeEventBus();
    const raisedOutcome = await relayEvents([large, item(2), item(3)], {
      ...common,
      publisher: raised,
      failureSink: new FakeFailureSink(),
      limits: { maxEntries: 10, maxBytes: MAX_RAISED_PUT_EVENTS_BYTES },
    });
    expect(raisedOutcome.published).toHaveLength(3);

    const sink = new FakeFailureSink();
    const defaultOutcome = await relayEvents([large, item(2), item(3)], { ...common, publisher: new FakeEventBus(), failureSink: sink });
    expect(defaultOutcome.published).toHaveLength(2);
    expect(sink.recorded.map((r) => r.failure.code)).toEqual(['EntryTooLarge']);
  });
});
