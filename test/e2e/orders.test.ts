import { describe, expect, it } from '@jest/globals';

import { given, then, when } from './support/steps';

describe('orders, end to end (API → table → stream → relay → bus → queue → timeline consumer)', () => {
  it('places an order and the timeline shows OrderPlaced version 1', async () => {
    const order = given.anOrderRequest();

    const placed = await when.aClientPlacesAnOrder(order);

    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'PLACED', version: 1, totalCents: 1000 });
    const timeline = await then.theTimelineEventuallyShows(placed.body.orderId, [{ version: 1, type: 'OrderPlaced' }]);
    expect(timeline.events[0]!.eventId).toEqual(expect.any(String));
  });

  it('answers ten concurrent cancels of one order with one 200 and nine 409s, and publishes one OrderCancelled', async () => {
    const placed = await when.aClientPlacesAnOrder(given.anOrderRequest());
    expect(placed.status).toBe(201);

    const answers = await Promise.all(Array.from({ length: 10 }, () => when.aClientCancelsTheOrder(placed.body.orderId, { reason: 'e2e' })));

    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    await then.theTimelineEventuallyShows(placed.body.orderId, [
      { version: 1, type: 'OrderPlaced' },
      { version: 2, type: 'OrderCancelled' },
    ]);
  });
});
