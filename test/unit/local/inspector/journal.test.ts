import { describe, expect, it } from '@jest/globals';
import { EventJournal, type EnvelopeLike } from '../../../../local/inspector/journal';

function envelope(id: string, overrides: Partial<EnvelopeLike> = {}): EnvelopeLike {
  return {
    id,
    type: 'OrderPlaced',
    aggregateType: 'Order',
    aggregateId: `order-${id}`,
    aggregateVersion: 1,
    correlationId: `corr-${id}`,
    occurredAt: new Date(1_000).toISOString(),
    ...overrides,
  };
}

const kinds = (journal: EventJournal, id: string) => journal.get(id)!.hops.map((hop) => `${hop.kind}@${hop.at}`);

describe('EventJournal', () => {
  it('follows an event from committed to applied, with the latency of each hop and the total', () => {
    const journal = new EventJournal();
    journal.noteEnvelope(envelope('e1'));
    expect(journal.get('e1')!.status).toBe('committed');
    journal.addHop('e1', { kind: 'published', at: 1_040, where: 'Relay' });
    expect(journal.get('e1')!.status).toBe('published');
    journal.addHop('e1', { kind: 'delivered', at: 1_050, where: 'TimelineQueue', queue: 'TimelineQueue', messageId: 'm1' });
    expect(journal.get('e1')!.status).toBe('delivered');
    journal.addHop('e1', { kind: 'applied', at: 1_300, where: 'TimelineFunction', queue: 'TimelineQueue' });

    const event = journal.get('e1')!;
    expect(event.status).toBe('applied');
    expect(event.hops.map((hop) => [hop.kind, hop.latencyMs])).toEqual([
      ['committed', 0],
      ['published', 40],
      ['delivered', 10],
      ['applied', 250],
    ]);
    expect(event.totalMs).toBe(300);
  });

  it('is applied only once every queue that got the event has applied it', () => {
    const journal = new EventJournal();
    journal.noteEnvelope(envelope('e1', { type: 'PaymentRequested' }));
    journal.addHop('e1', { kind: 'delivered', at: 1_010, where: 'Timeline', queue: 'Timeline', messageId: 'a' });
    journal.addHop('e1', { kind: 'delivered', at: 1_010, where: 'Payments', queue: 'Payments', messageId: 'b' });
    journal.addHop('e1', { kind: 'applied', at: 1_100, where: 'TimelineFn', queue: 'Timeline' });
    expect(journal.get('e1')!.status).toBe('delivered');
    journal.addHop('e1', { kind: 'applied', at: 1_200, where: 'PaymentsFn', queue: 'Payments' });
    expect(journal.get('e1')!.status).toBe('applied');
  });

  it('counts a message received twice as one delivery, and a refusal keeps the event in flight until a later application', () => {
    const journal = new EventJournal();
    journal.noteEnvelope(envelope('e1'));
    journal.addHop('e1', { kind: 'delivered', at: 1_010, where: 'Q', queue: 'Q', messageId: 'm1' });
    journal.addHop('e1', { kind: 'refused', at: 1_100, where: 'Fn', queue: 'Q', detail: 'Error' });
    journal.addHop('e1', { kind: 'delivered', at: 1_010, where: 'Q', queue: 'Q', messageId: 'm1' });
    expect(journal.get('e1')!.status).toBe('delivered');
    journal.addHop('e1', { kind: 'applied', at: 1_500, where: 'Fn', queue: 'Q' });
    expect(kinds(journal, 'e1')).toEqual(['committed@1000', 'delivered@1010', 'refused@1100', 'applied@1500']);
    expect(journal.get('e1')!.status).toBe('applied');
  });

  it('dates a publication no later than the first delivery (the runtime sees it when the publishing call returns)', () => {
    const journal = new EventJournal();
    journal.noteEnvelope(envelope('e1'));
    journal.addHop('e1', { kind: 'delivered', at: 1_050, where: 'Q', queue: 'Q', messageId: 'm1' });
    journal.addHop('e1', { kind: 'published', at: 1_080, where: 'Relay' });
    expect(kinds(journal, 'e1')).toEqual(['committed@1000', 'published@1050', 'delivered@1050']);
  });

  it('marks an event FAILED while its outbox item is, and withdraws the publication of the invocation that gave up', () => {
    const journal = new EventJournal();
    journal.noteEnvelope(envelope('e1'));
    journal.addHop('e1', { kind: 'published', at: 2_000, where: 'Relay' });
    journal.setFailed(new Map([['e1', 1_900]]));
    expect(journal.get('e1')!.status).toBe('FAILED');
    expect(kinds(journal, 'e1')).toEqual(['committed@1000', 'failed@1900']);

    journal.setFailed(new Map([['e1', 1_900]]));
    expect(kinds(journal, 'e1')).toEqual(['committed@1000', 'failed@1900']);

    // Republished (npm run redrive -- --failed clears the mark): the deliveries decide again.
    journal.setFailed(new Map());
    journal.addHop('e1', { kind: 'delivered', at: 3_000, where: 'Q', queue: 'Q', messageId: 'm1' });
    journal.addHop('e1', { kind: 'applied', at: 3_100, where: 'Fn', queue: 'Q' });
    expect(journal.get('e1')!.status).toBe('applied');
  });

  it('shows an event parked while it sits in a DLQ, with the delivery it never got to show, and redriven once it left', () => {
    const journal = new EventJournal();
    journal.noteEnvelope(envelope('e1'));
    journal.addHop('e1', { kind: 'published', at: 1_020, where: 'Relay' });
    journal.setParked('Dlq', 'Q', [{ eventId: 'e1', messageId: 'm1', sentAt: 1_030 }], 5_000);
    journal.setParked('Dlq', 'Q', [{ eventId: 'e1', messageId: 'm1', sentAt: 1_030 }], 6_000);
    expect(journal.get('e1')!.status).toBe('parked');
    expect(kinds(journal, 'e1')).toEqual(['committed@1000', 'published@1020', 'delivered@1030', 'parked@5000']);

    // Redriven: delivered again and applied before the next read of the DLQ noticed it had left.
    journal.addHop('e1', { kind: 'delivered', at: 7_010, where: 'Q', queue: 'Q', messageId: 'm2' });
    journal.addHop('e1', { kind: 'applied', at: 7_100, where: 'Fn', queue: 'Q' });
    journal.setParked('Dlq', 'Q', [], 8_000);
    const event = journal.get('e1')!;
    expect(event.status).toBe('applied');
    expect(event.hops.map((hop) => `${hop.kind}@${hop.at}`).slice(-3)).toEqual(['redriven@7010', 'delivered@7010', 'applied@7100']);
  });

  it('filters by aggregate id, correlation id and event type (case-insensitive parts), newest first', () => {
    const journal = new EventJournal();
    journal.noteEnvelope(envelope('a', { aggregateId: 'ORDER-1', correlationId: 'req-1', type: 'OrderPlaced', occurredAt: new Date(1_000).toISOString() }));
    journal.noteEnvelope(envelope('b', { aggregateId: 'order-2', correlationId: 'req-2', type: 'OrderCancelled', occurredAt: new Date(2_000).toISOString() }));
    journal.noteEnvelope(envelope('c', { aggregateId: 'pay-1', correlationId: 'req-1', type: 'PaymentRequested', occurredAt: new Date(3_000).toISOString() }));
    expect(journal.list().map((event) => event.id)).toEqual(['c', 'b', 'a']);
    expect(journal.list({ aggregateId: 'order' }).map((event) => event.id)).toEqual(['b', 'a']);
    expect(journal.list({ correlationId: 'REQ-1' }).map((event) => event.id)).toEqual(['c', 'a']);
    expect(journal.list({ type: 'cancel' }).map((event) => event.id)).toEqual(['b']);
    expect(journal.list({ aggregateId: 'order', correlationId: 'req-1', type: 'placed' }).map((event) => event.id)).toEqual(['a']);
  });

  it('lists only events whose envelope it saw, and forgets the oldest beyond its capacity', () => {
    const journal = new EventJournal(2);
    journal.addHop('cdc-only', { kind: 'published', at: 1_000, where: 'Cdc' });
    expect(journal.list()).toEqual([]);
    expect(journal.get('cdc-only')).toBeUndefined();
    for (const id of ['e1', 'e2', 'e3']) journal.noteEnvelope(envelope(id));
    expect(journal.list().map((event) => event.id).sort()).toEqual(['e2', 'e3']);
  });
});
