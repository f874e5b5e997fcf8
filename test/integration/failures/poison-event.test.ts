/**
 * A poison event parks only its aggregate (issue 4, scenario 4), on the emulator. Orders A, B and C
 * each get versions 1 to 3 through writeWithOutbox; PutEvents answers a terminal `MalformedDetail`
 * for A's version 2 (injected around the real publisher: moto cannot produce it for a valid entry).
 * The relay marks that one outbox item FAILED and goes on; the timeline consumer's ordering guard
 * keeps A's version 3 out (early: its record fails and SQS redelivers it) while B and C complete in
 * the same SQS batches. Once the cause is fixed, redriving the FAILED item completes A in order.
 */
import { describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '../../../lambdas/dualwrite/envelope';
import { redriveFailedOutboxItems } from '../../../lambdas/dualwrite/relay/redrive';
import {
  failedOutboxItems,
  FailureInjectingPublisher,
  lambdaContext as relayContext,
  SOURCE,
  writeOrderVersion,
} from '../relay/support';
import { createOutboxTable, uniqueName } from '../support/aws';
import { entriesOf, pipelineFor, queueDepth, waitForQueueDepth } from './support';

const ORDER = 'Order';

describe('a poison event', () => {
  it('parks only its aggregate; after the fix, redriving it completes that timeline in order', async () => {
    const { tableName } = await createOutboxTable(uniqueName('poison'));
    const pipeline = await pipelineFor(tableName, SOURCE);
    const written = new Map<string, EventEnvelope[]>([['A', []], ['B', []], ['C', []]]);
    for (const version of [1, 2, 3]) {
      for (const [orderId, events] of written) events.push(await writeOrderVersion(tableName, orderId, version));
    }
    const [a1, poison, a3] = written.get('A') as [EventEnvelope, EventEnvelope, EventEnvelope];
    let causeFixed = false;
    const publisher = new FailureInjectingPublisher(pipeline.publisher, (envelope) =>
      !causeFixed && envelope.id === poison.id ? 'MalformedDetail' : undefined,
    );

    const relay = await pipeline.relay(publisher);
    expect(await relay(await pipeline.stream.next(), relayContext)).toEqual({ batchItemFailures: [] });
    expect((await failedOutboxItems(tableName)).map((item) => item.envelope)).toEqual([poison]);

    await waitForQueueDepth(pipeline.queueUrl, 8);
    const invocations = await pipeline.deliveries.drain();
    expect(await pipeline.timeline(ORDER, 'B')).toEqual(entriesOf(written.get('B') ?? []));
    expect(await pipeline.timeline(ORDER, 'C')).toEqual(entriesOf(written.get('C') ?? []));
    expect(await pipeline.timeline(ORDER, 'A')).toEqual(entriesOf([a1]));
    // A's version 3 is parked: every delivery of it failed, and the invocation that first failed it
    // acknowledged events of B and C in the same batch.
    const a3Deliveries = invocations.flat().filter((delivery) => delivery.detail.id === a3.id);
    expect(a3Deliveries.length).toBeGreaterThan(1);
    expect(a3Deliveries.every((delivery) => delivery.failed)).toBe(true);
    const firstParking = invocations.find((deliveries) => deliveries.some((delivery) => delivery.detail.id === a3.id)) ?? [];
    expect(firstParking.some((delivery) => !delivery.failed && delivery.detail.aggregateId !== 'A')).toBe(true);
    expect(await queueDepth(pipeline.queueUrl)).toBe(1);

    causeFixed = true;
    const report = await redriveFailedOutboxItems(pipeline.redriveOptions(publisher));
    expect(report).toEqual({ found: 1, republished: 1, failed: 0, unsettled: 0, skipped: [] });
    expect(await failedOutboxItems(tableName)).toEqual([]);

    await waitForQueueDepth(pipeline.queueUrl, 2);
    const afterRedrive = (await pipeline.deliveries.drain()).flat();
    expect(afterRedrive.filter((delivery) => !delivery.failed).map((delivery) => delivery.detail.id).sort()).toEqual([poison.id, a3.id].sort());
    expect(await queueDepth(pipeline.queueUrl)).toBe(0);
    expect((await pipeline.timeline(ORDER, 'A')).map((entry) => entry.version)).toEqual([1, 2, 3]);
    expect(await pipeline.timeline(ORDER, 'A')).toEqual(entriesOf(written.get('A') ?? []));
  });
});
