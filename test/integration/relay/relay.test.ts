/**
 * The outbox relay against the emulator: outbox items written by writeWithOutbox, the table's real
 * stream records, a real bus whose rule targets an SQS queue. Failures moto cannot produce
 * (throttling, a malformed-detail answer) are injected around the real publisher.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { ConcurrencyConflictError } from '../../../lambdas/dualwrite/transactional-outbox-writer';
import { EventBridgePublisher } from '../../../lambdas/dualwrite/relay/eventbridge-publisher';
import type { StreamRelayHandler } from '../../../lambdas/dualwrite/relay/stream-relay-handler';
import { OutboxFailureMarker } from '../../../lambdas/dualwrite/relay/outbox-failure-marker';
import { redriveFailedOutboxItems, republishOutboxItems } from '../../../lambdas/dualwrite/relay/redrive';
import type { EventPublisher } from '../../../lambdas/dualwrite/relay/relay-algorithm';
import { writeWithOutbox } from '../../../lambdas/dualwrite/transactional-outbox-writer';
import {
  createOutboxTable,
  createQueueReceivingFromBus,
  documentClient,
  eventBridgeClient,
  getItem,
  readStreamRecords,
  receiveAll,
  uniqueName,
  useLocalAwsEnvironment,
} from '../support/aws';
import {
  detailsOf,
  failedOutboxItems,
  FailureInjectingPublisher,
  isOutboxInsert,
  lambdaContext,
  noMetrics,
  orderEvent,
  quietLogger,
  SOURCE,
  StreamReader,
  writeOrderVersion,
} from './support';

interface Setup {
  tableName: string;
  busName: string;
  queueUrl: string;
  stream: StreamReader;
}

async function setUp(name: string): Promise<Setup> {
  const { tableName, streamArn } = await createOutboxTable(uniqueName(name));
  const busName = uniqueName(`${name}-bus`);
  const queueUrl = await createQueueReceivingFromBus({ busName, pattern: { source: [SOURCE] } });
  return { tableName, busName, queueUrl, stream: new StreamReader(tableName, streamArn, isOutboxInsert) };
}

type RelayHandlerModule = typeof import('../../../lambdas/dualwrite/relay/handler.js');
let relayModule: RelayHandlerModule;

function relayFor(setup: Setup, publisher: EventPublisher = new EventBridgePublisher(eventBridgeClient())): StreamRelayHandler {
  return relayModule.makeOutboxRelayHandler({
    eventBusName: setup.busName,
    publisher,
    failureSink: new OutboxFailureMarker({ documentClient: documentClient(), tableName: setup.tableName }),
    metrics: noMetrics,
    logger: quietLogger,
    relay: { sleep: async () => {} },
  });
}

describe('outbox relay on the emulator', () => {
  let deployedHandler: StreamRelayHandler;
  let deployed: Setup;

  beforeAll(async () => {
    deployed = await setUp('relay-env');
    // The exported handler, configured as Lambda would configure it, with clients built at import.
    useLocalAwsEnvironment();
    Object.assign(process.env, {
      EVENT_BUS_NAME: deployed.busName,
      OUTBOX_TABLE_NAME: deployed.tableName,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_SERVICE_NAME: 'relay-integration-test',
      POWERTOOLS_METRICS_NAMESPACE: 'dualwrite-test',
    });
    // Imported only now: its Powertools utilities and SDK clients are built at import, from this environment.
    relayModule = await import('../../../lambdas/dualwrite/relay/handler.js');
    deployedHandler = relayModule.handler;
  }, 120_000);

  it('publishes every outbox item written with writeWithOutbox, each envelope once as detail', async () => {
    const written = [
      await writeOrderVersion(deployed.tableName, 'o1', 1),
      await writeOrderVersion(deployed.tableName, 'o2', 1),
      await writeOrderVersion(deployed.tableName, 'o1', 2),
    ];

    const event = await deployed.stream.next();
    expect(event.Records).toHaveLength(3);
    expect(await deployedHandler(event, lambdaContext)).toEqual({ batchItemFailures: [] });

    const messages = await receiveAll(deployed.queueUrl, { expected: written.length + 1, timeoutMs: 2_000 });
    expect(detailsOf(messages).sort((a, b) => a.id.localeCompare(b.id))).toEqual([...written].sort((a, b) => a.id.localeCompare(b.id)));
    const bodies = messages.map((m) => JSON.parse(m.Body ?? '{}') as { source: string; 'detail-type': string; detail: { id: string; type: string } });
    for (const body of bodies) {
      expect(body.source).toBe(SOURCE);
      expect(body['detail-type']).toBe(body.detail.type);
    }
  });

  it('publishes nothing for a cancelled transaction: no entity, no outbox item, no stream record', async () => {
    const setup = await setUp('relay-cancelled');
    await writeOrderVersion(setup.tableName, 'o1', 1);
    const before = await readStreamRecords(setup.tableName);
    await relayFor(setup)(await setup.stream.next(), lambdaContext);
    expect(await receiveAll(setup.queueUrl, { expected: 1 })).toHaveLength(1);

    // A stale writer: expects version 4, the order is at version 1.
    await expect(writeOrderVersion(setup.tableName, 'o1', 5, 4)).rejects.toBeInstanceOf(ConcurrencyConflictError);

    const order = await getItem(setup.tableName, { pk: 'ORDER#o1', sk: 'STATE' });
    expect(order?.version).toBe(1);
    const outbox = await getItem(setup.tableName, { pk: 'ORDER#o1', sk: 'OUTBOX#0000000005' });
    expect(outbox).toBeUndefined();
    expect(await readStreamRecords(setup.tableName)).toHaveLength(before.length);
    const event = await setup.stream.next();
    expect(event.Records).toEqual([]);
    expect(await relayFor(setup)(event, lambdaContext)).toEqual({ batchItemFailures: [] });
    expect(await receiveAll(setup.queueUrl, { expected: 1, timeoutMs: 1_000 })).toEqual([]);
  });

  it('marks a terminally failed event FAILED, keeps it from TTL, publishes the later events, and redrives it', async () => {
    const setup = await setUp('relay-terminal');
    const first = await writeOrderVersion(setup.tableName, 'o1', 1);
    const bad = await writeOrderVersion(setup.tableName, 'bad', 1);
    const last = await writeOrderVersion(setup.tableName, 'o3', 1);
    const real = new EventBridgePublisher(eventBridgeClient());
    const publisher = new FailureInjectingPublisher(real, (envelope) => (envelope.id === bad.id ? 'MalformedDetail' : undefined));

    expect(await relayFor(setup, publisher)(await setup.stream.next(), lambdaContext)).toEqual({ batchItemFailures: [] });

    const delivered = detailsOf(await receiveAll(setup.queueUrl, { expected: 3, timeoutMs: 2_000 }));
    expect(delivered.map((d) => d.id).sort()).toEqual([first.id, last.id].sort());
    const failed = await failedOutboxItems(setup.tableName);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ pk: 'ORDER#bad', sk: 'OUTBOX#0000000001', failedStatus: 'FAILED', failureCode: 'MalformedDetail', envelope: bad });
    expect(failed[0].failureMessage).toBe('injected MalformedDetail');
    expect(Date.parse(String(failed[0].failedAt))).not.toBeNaN();
    expect(failed[0]).not.toHaveProperty('expiresAt');

    const report = await redriveFailedOutboxItems({ documentClient: documentClient(), tableName: setup.tableName, publisher: real, eventBusName: setup.busName });
    expect(report).toMatchObject({ found: 1, republished: 1, failed: 0, unsettled: 0, skipped: [] });
    expect(detailsOf(await receiveAll(setup.queueUrl, { expected: 1 }))).toEqual([bad]);
    expect(await failedOutboxItems(setup.tableName)).toEqual([]);
    const redriven = await getItem(setup.tableName, { pk: 'ORDER#bad', sk: 'OUTBOX#0000000001' });
    expect(redriven).not.toHaveProperty('failedStatus');
    expect(redriven).not.toHaveProperty('failureCode');
    expect(redriven?.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it('retries an entry PutEvents throttled, and every event reaches the queue exactly once', async () => {
    const setup = await setUp('relay-throttled');
    const written = [
      await writeOrderVersion(setup.tableName, 'o1', 1),
      await writeOrderVersion(setup.tableName, 'o2', 1),
      await writeOrderVersion(setup.tableName, 'o1', 2),
      await writeOrderVersion(setup.tableName, 'o2', 2),
    ];
    const throttled = written[1].id;
    const publisher = new FailureInjectingPublisher(new EventBridgePublisher(eventBridgeClient()), (envelope, call) =>
      call === 0 && envelope.id === throttled ? 'ThrottlingException' : undefined,
    );

    expect(await relayFor(setup, publisher)(await setup.stream.next(), lambdaContext)).toEqual({ batchItemFailures: [] });

    expect(publisher.calls).toBe(2);
    const delivered = detailsOf(await receiveAll(setup.queueUrl, { expected: written.length + 1, timeoutMs: 2_000 }));
    expect(delivered.map((d) => d.id).sort()).toEqual(written.map((w) => w.id).sort());
    expect(await failedOutboxItems(setup.tableName)).toEqual([]);
  });

  it('republishes the outbox items of a time window, for a stream DLQ message', async () => {
    const setup = await setUp('relay-window');
    const inWindow = orderEvent('o1', 1, new Date('2026-03-01T10:00:00.000Z'));
    const outside = orderEvent('o2', 1, new Date('2026-03-01T12:00:00.000Z'));
    for (const envelope of [inWindow, outside]) {
      await writeWithOutbox(documentClient(), {
        tableName: setup.tableName,
        writes: [{ Put: { TableName: setup.tableName, Item: { pk: `ORDER#${envelope.aggregateId}`, sk: 'STATE', version: 1 } } }],
        events: [{ partitionKey: `ORDER#${envelope.aggregateId}`, envelope }],
      });
    }

    const report = await republishOutboxItems({
      documentClient: documentClient(),
      tableName: setup.tableName,
      publisher: new EventBridgePublisher(eventBridgeClient()),
      eventBusName: setup.busName,
      from: new Date('2026-03-01T09:00:00.000Z'),
      to: new Date('2026-03-01T11:00:00.000Z'),
    });

    expect(report).toMatchObject({ found: 1, republished: 1, failed: 0, unsettled: 0 });
    expect(detailsOf(await receiveAll(setup.queueUrl, { expected: 2, timeoutMs: 2_000 }))).toEqual([inWindow]);
  });
});
