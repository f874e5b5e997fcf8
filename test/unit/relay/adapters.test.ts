import { describe, expect, it } from '@jest/globals';
import { EventBridgePublisher } from '../../../lambdas/dualwrite/relay/eventbridge-publisher';
import { OutboxFailureMarker } from '../../../lambdas/dualwrite/relay/outbox-failure-marker';
import type { OutboxItemRef } from '../../../lambdas/dualwrite/relay/stream-records';
import type { RelayItem } from '../../../lambdas/dualwrite/relay/relay-algorithm';
import { toPutEventsEntry } from '../../../lambdas/dualwrite/envelope';
import { envelope, NamedError } from './fakes';

/** Records each command's name and input; answers from a script. */
class FakeClient {
  readonly sent: Array<{ command: string; input: Record<string, unknown> }> = [];
  constructor(private readonly answer: (command: string, call: number) => unknown = () => ({})) {}
  async send(command: { constructor: { name: string }; input: unknown }): Promise<never> {
    const call = this.sent.length;
    this.sent.push({ command: command.constructor.name, input: command.input as Record<string, unknown> });
    const answer = this.answer(command.constructor.name, call);
    if (answer instanceof Error) throw answer;
    return answer as never;
  }
}

describe('EventBridgePublisher', () => {
  it('maps each result entry, failed or not, in order', async () => {
    const client = new FakeClient(() => ({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'e1' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    }));
    const publisher = new EventBridgePublisher(client as never);
    const entries = [toPutEventsEntry(envelope(1), 'bus'), toPutEventsEntry(envelope(2), 'bus')];
    expect(await publisher.putEvents(entries)).toEqual([
      { eventId: 'e1', errorCode: undefined, errorMessage: undefined },
      { eventId: undefined, errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' },
    ]);
    expect(client.sent[0]).toMatchObject({ command: 'PutEventsCommand', input: { Entries: entries } });
  });

  it('reports entries the response left out as unconfirmed', async () => {
    const publisher = new EventBridgePublisher(new FakeClient(() => ({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] })) as never);
    const results = await publisher.putEvents([toPutEventsEntry(envelope(1), 'bus'), toPutEventsEntry(envelope(2), 'bus')]);
    expect(results[1].errorCode).toBe('MissingResultEntry');
  });
});

describe('OutboxFailureMarker', () => {
  const event = envelope(1);
  const item: RelayItem<OutboxItemRef> = {
    itemIdentifier: '100',
    envelope: event,
    ref: { key: { pk: 'THING#1', sk: 'OUTBOX#0000000001' }, image: { pk: 'THING#1', sk: 'OUTBOX#0000000001', envelope: event, expiresAt: 9 }, sequenceNumber: '100' },
  };
  const now = () => new Date('2026-01-02T03:04:05.000Z');

  it('marks the outbox item FAILED, keeps it from TTL, and only if it exists', async () => {
    const client = new FakeClient();
    await new OutboxFailureMarker({ documentClient: client as never, tableName: 'table', now }).record(item, {
      code: 'MalformedDetail',
      message: 'm'.repeat(5_000),
    });
    const { input } = client.sent[0];
    expect(client.sent[0].command).toBe('UpdateCommand');
    expect(input).toMatchObject({ TableName: 'table', Key: { pk: 'THING#1', sk: 'OUTBOX#0000000001' }, ConditionExpression: 'attribute_exists(pk)' });
    expect(input.UpdateExpression).toMatch(/REMOVE expiresAt/);
    const values = input.ExpressionAttributeValues as Record<string, string>;
    expect(values[':failedStatus']).toBe('FAILED');
    expect(values[':failedAt']).toBe('2026-01-02T03:04:05.000Z');
    expect(values[':failureCode']).toBe('MalformedDetail');
    expect(values[':failureMessage'].length).toBe(1_000);
  });

  it('puts the item back from the stream image, marked FAILED, when it is gone', async () => {
    const client = new FakeClient((_command, call) => (call === 0 ? new NamedError('ConditionalCheckFailedException', 'gone') : {}));
    await new OutboxFailureMarker({ documentClient: client as never, tableName: 'table', now }).record(item, { code: 'X', message: 'y' });
    expect(client.sent[1].command).toBe('PutCommand');
    expect(client.sent[1].input.Item).toEqual({
      pk: 'THING#1',
      sk: 'OUTBOX#0000000001',
      envelope: event,
      failedStatus: 'FAILED',
      failedAt: '2026-01-02T03:04:05.000Z',
      failureCode: 'X',
      failureMessage: 'y',
    });
  });

  it('lets any other error through so the relay checkpoints', async () => {
    const client = new FakeClient(() => new NamedError('ProvisionedThroughputExceededException', 'slow down'));
    await expect(new OutboxFailureMarker({ documentClient: client as never, tableName: 'table' }).record(item, { code: 'X', message: 'y' })).rejects.toThrow('slow down');
  });
});
