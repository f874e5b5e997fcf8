import { describe, expect, it } from '@jest/globals';
import { commandsAppliedTwice, patternEvidence, paymentOutcomes, type TableItem } from '../../../chaos/evidence';

const item = (pk: string, sk: string, attributes: Record<string, unknown> = {}): TableItem => ({ pk, sk, ...attributes });
const outbox = (pk: string, version: number, type: string, data: Record<string, unknown> = {}) =>
  item(pk, `OUTBOX#${String(version).padStart(10, '0')}`, { envelope: { type, aggregateVersion: version, data } });

describe('the payments business invariant', () => {
  const cancelAnswered = Date.parse('2026-12-07T10:00:00.000Z');
  const payment = (id: string, orderId: string, status: string, at: string) =>
    item(`PAYMENT#${id}`, 'STATE', { orderId, status, ...(status === 'CAPTURED' ? { capturedAt: at } : { rejectedAt: at }) });

  it('counts captures and rejections, and a capture that started after the order\'s cancel was answered', () => {
    const items = [
      payment('p1', 'o1', 'CAPTURED', '2026-12-07T09:59:59.000Z'), // captured before the cancel: allowed
      payment('p2', 'o2', 'CAPTURED', '2026-12-07T10:00:01.000Z'), // the cancel had been answered: must not happen
      payment('p3', 'o3', 'REJECTED', '2026-12-07T10:00:02.000Z'),
      payment('p4', 'o4', 'CAPTURED', '2026-12-07T10:00:03.000Z'), // never cancelled
    ];
    const cancels = new Map([
      ['o1', cancelAnswered],
      ['o2', cancelAnswered],
      ['o3', cancelAnswered],
    ]);
    expect(paymentOutcomes(items, cancels)).toEqual({ captured: 3, rejected: 1, capturedAfterCancel: 1 });
  });
});

describe('commands applied twice', () => {
  it('finds two orders from one POST /orders, two payment requests for one order, and a customer ahead of its PUTs', () => {
    const items = [
      item('ORDER#a', 'STATE', { customerId: 'c-1' }),
      item('ORDER#b', 'STATE', { customerId: 'c-1' }),
      item('ORDER#c', 'STATE', { customerId: 'c-2' }),
      outbox('PAYMENT#p1', 1, 'PaymentRequested', { orderId: 'c' }),
      outbox('PAYMENT#p2', 1, 'PaymentRequested', { orderId: 'c' }),
      outbox('PAYMENT#p2', 2, 'PaymentCaptured', { orderId: 'c' }),
      item('CUSTOMER#k', 'STATE', { version: 3 }),
      item('CUSTOMER#m', 'STATE', { version: 2 }),
    ];
    const result = commandsAppliedTwice(items, { orderMarkers: new Set(['c-1', 'c-2']), customerPuts: new Map([['k', 2], ['m', 2]]) });
    expect(result.count).toBe(3);
    expect(result.which.join('\n')).toMatch(/2 orders placed by one POST \/orders \(customerId c-1\)/);
    expect(result.which.join('\n')).toMatch(/2 payments requested by one POST \/orders\/c\/payments/);
    expect(result.which.join('\n')).toMatch(/CUSTOMER#k: version 3 after 2 PUT/);
  });

  it('finds nothing when each logical command committed once', () => {
    const items = [item('ORDER#a', 'STATE', { customerId: 'c-1' }), outbox('PAYMENT#p1', 1, 'PaymentRequested', { orderId: 'a' }), item('CUSTOMER#k', 'STATE', { version: 2 })];
    expect(commandsAppliedTwice(items, { orderMarkers: new Set(['c-1']), customerPuts: new Map([['k', 2]]) })).toEqual({ count: 0, which: [] });
  });
});

describe('payment evidence', () => {
  it('takes a rejection as the payment\'s second change, like a capture', () => {
    const items = [outbox('PAYMENT#p1', 1, 'PaymentRequested'), outbox('PAYMENT#p1', 2, 'PaymentRejected')];
    const evidence = patternEvidence(items, [], []);
    expect(evidence.listenToYourself.committed).toEqual([
      { aggregate: 'Payment#p1', version: 1 },
      { aggregate: 'Payment#p1', version: 2 },
    ]);
    expect(evidence.listenToYourself.extraDuplicateEffects).toBe(0);
  });
});
