import { describe, expect, it } from '@jest/globals';
import { EarlyEventError } from '../../../lambdas/dualwrite/consumer/ordering-guard';
import { newEnvelope } from '../../../lambdas/dualwrite/envelope';
import { NotFoundError } from '../../../lambdas/service/errors';
import { getTimeline, recordInTimeline } from '../../../lambdas/service/timeline/timeline-use-cases';
import { InMemoryStore, InMemoryTimelineRepository } from './support/in-memory-repositories';

const event = (aggregateVersion: number, type = `Event${aggregateVersion}`, aggregateType = 'Order') =>
  newEnvelope({ type, source: 'dualwrite.orders', aggregateType, aggregateId: 'o-1', aggregateVersion, correlationId: 'c', data: {} });

function timelines() {
  const store = new InMemoryStore();
  return { store, timelines: new InMemoryTimelineRepository(store) };
}

describe('recordInTimeline', () => {
  it('appends versions in order', async () => {
    const deps = timelines();
    const one = event(1);
    const two = event(2);

    expect(await recordInTimeline(deps, one)).toBe('applied');
    expect(await recordInTimeline(deps, two)).toBe('applied');

    expect(await deps.timelines.find('Order', 'o-1')).toEqual({
      lastVersion: 2,
      events: [
        { version: 1, type: 'Event1', eventId: one.id },
        { version: 2, type: 'Event2', eventId: two.id },
      ],
    });
  });

  it('acknowledges an old version as a duplicate without writing', async () => {
    const deps = timelines();
    await recordInTimeline(deps, event(1));
    await recordInTimeline(deps, event(2));
    const writes = deps.store.writes.length;

    expect(await recordInTimeline(deps, event(1))).toBe('duplicate');
    expect(deps.store.writes).toHaveLength(writes);
  });

  it('throws EarlyEventError for a version after a gap, writing nothing', async () => {
    const deps = timelines();
    await expect(recordInTimeline(deps, event(2))).rejects.toThrow(EarlyEventError);
    await expect(recordInTimeline(deps, event(2))).rejects.toThrow(/expected version 1/);
    expect(deps.store.writes).toEqual([]);
  });

  it('re-reads and decides again when another writer moved the timeline first', async () => {
    const deps = timelines();
    const rival = event(1, 'Rival');
    let raced = false;
    deps.timelines.beforeAppend = () => {
      if (raced) return;
      raced = true;
      deps.store.timelines.set('Order/o-1', { lastVersion: 1, events: [{ version: 1, type: 'Rival', eventId: rival.id }] });
    };

    // Version 1 lost its race to an equal version 1: on re-reading it is a duplicate.
    expect(await recordInTimeline(deps, event(1))).toBe('duplicate');
    // Version 2 then applies on top of the rival's write.
    expect(await recordInTimeline(deps, event(2))).toBe('applied');
    expect((await deps.timelines.find('Order', 'o-1'))?.events.map((entry) => entry.type)).toEqual(['Rival', 'Event2']);
  });

  it('keeps aggregates apart: a stuck one does not stall another', async () => {
    const deps = timelines();
    await expect(recordInTimeline(deps, event(3, 'Late', 'Payment'))).rejects.toThrow(EarlyEventError);
    expect(await recordInTimeline(deps, event(1))).toBe('applied');
  });
});

describe('getTimeline', () => {
  it('sorts by version, [] for an aggregate without a timeline, 404 when neither exists', async () => {
    const deps = timelines();
    deps.store.timelines.set('Order/o-1', {
      lastVersion: 2,
      events: [
        { version: 2, type: 'B', eventId: 'e2' },
        { version: 1, type: 'A', eventId: 'e1' },
      ],
    });

    expect((await getTimeline(deps, 'Order', 'o-1', async () => false)).map((entry) => entry.version)).toEqual([1, 2]);
    expect(await getTimeline(deps, 'Order', 'o-2', async () => true)).toEqual([]);
    await expect(getTimeline(deps, 'Order', 'o-3', async () => false)).rejects.toThrow(NotFoundError);
  });
});
