import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { newEnvelope } from '../../../lambdas/dualwrite/envelope';
import { DEFAULT_OUTBOX_TTL_SECONDS } from '../../../lambdas/dualwrite/outbox';
import { OUTBOX_TTL_SECONDS_ENV, outboxTtlSecondsFromEnv } from '../../../lambdas/service/config';
import { orderPlacedEvent, placeNewOrder } from '../../../lambdas/service/orders/order';
import { DynamoDbOrderRepository } from '../../../lambdas/service/orders/dynamodb-order-repository';
import { DynamoDbPaymentRepository } from '../../../lambdas/service/payments/dynamodb-payment-repository';
import { paymentCapturedEvent, paymentRequestedEvent, type CapturedPayment } from '../../../lambdas/service/payments/payment';

describe('OUTBOX_TTL_SECONDS', () => {
  it('defaults to 7 days when unset or empty', () => {
    expect(outboxTtlSecondsFromEnv({})).toBe(DEFAULT_OUTBOX_TTL_SECONDS);
    expect(outboxTtlSecondsFromEnv({ [OUTBOX_TTL_SECONDS_ENV]: '  ' })).toBe(7 * 24 * 60 * 60);
  });

  it('reads a whole number of seconds', () => {
    expect(outboxTtlSecondsFromEnv({ OUTBOX_TTL_SECONDS: '172800' })).toBe(172_800);
    expect(outboxTtlSecondsFromEnv({ OUTBOX_TTL_SECONDS: ' 1 ' })).toBe(1);
  });

  it.each(['0', '-5', '1.5', '1e6', 'seven days', '0x10', '99999999999999999999'])('fails fast on %j, naming the variable', (raw) => {
    expect(() => outboxTtlSecondsFromEnv({ OUTBOX_TTL_SECONDS: raw })).toThrow(/OUTBOX_TTL_SECONDS/);
  });

  it('reads process.env by default', () => {
    const before = process.env.OUTBOX_TTL_SECONDS;
    process.env.OUTBOX_TTL_SECONDS = '3600';
    try {
      expect(outboxTtlSecondsFromEnv()).toBe(3600);
    } finally {
      if (before === undefined) delete process.env.OUTBOX_TTL_SECONDS;
      else process.env.OUTBOX_TTL_SECONDS = before;
    }
  });
});

/** A document client that records the transactions it is asked to write. */
function recordingClient() {
  const transactions: Array<{ TransactItems: Array<Record<string, any>> }> = [];
  const client = {
    send: async (command: { input: { TransactItems: Array<Record<string, any>> } }) => {
      transactions.push(command.input);
      return {};
    },
  } as unknown as DynamoDBDocumentClient;
  const outboxExpiries = () =>
    transactions.flatMap((transaction) => transaction.TransactItems).filter((write) => String(write.Put?.Item?.sk).startsWith('OUTBOX#')).map((write) => write.Put.Item.expiresAt as number);
  return { client, outboxExpiries };
}

describe('the service adapters pass the TTL to writeWithOutbox', () => {
  const now = new Date();
  const order = placeNewOrder({ orderId: 'O-1', customerId: 'c', items: [{ sku: 'a', quantity: 1, unitPriceCents: 1 }] }, now);
  const payment = { paymentId: 'P-1', orderId: 'O-1', amountCents: 1 };
  const captured: CapturedPayment = { ...payment, status: 'CAPTURED', version: 2, capturedAt: now.toISOString() };

  async function writeAll(options?: { outboxTtlSeconds: number }) {
    const { client, outboxExpiries } = recordingClient();
    const orders = new DynamoDbOrderRepository(client, 'table', options);
    const payments = new DynamoDbPaymentRepository(client, 'table', options);
    const requested = newEnvelope(paymentRequestedEvent(payment, 'corr'), now);
    const before = Math.floor(Date.now() / 1000);
    await orders.create(order, newEnvelope(orderPlacedEvent(order, 'corr'), now));
    await orders.update({ ...order, status: 'CANCELLED', version: 2 }, { version: 1, status: 'PLACED' }, newEnvelope({ ...orderPlacedEvent(order, 'corr'), aggregateVersion: 2 }, now));
    await payments.request(payment, { orderId: 'O-1', version: 1 }, requested, new Date(now.getTime() + 1000));
    await payments.settle(captured, newEnvelope(paymentCapturedEvent(captured, requested), now));
    return { expiries: outboxExpiries(), before, after: Math.ceil(Date.now() / 1000) };
  }

  it('uses the configured TTL for every outbox item (order placed and cancelled, payment requested and captured)', async () => {
    const { expiries, before, after } = await writeAll({ outboxTtlSeconds: 3600 });
    expect(expiries).toHaveLength(4);
    for (const expiresAt of expiries) {
      expect(expiresAt).toBeGreaterThanOrEqual(before + 3600);
      expect(expiresAt).toBeLessThanOrEqual(after + 3600);
    }
  });

  it('keeps 7 days without one', async () => {
    const { expiries, before, after } = await writeAll();
    expect(expiries).toHaveLength(4);
    for (const expiresAt of expiries) {
      expect(expiresAt).toBeGreaterThanOrEqual(before + DEFAULT_OUTBOX_TTL_SECONDS);
      expect(expiresAt).toBeLessThanOrEqual(after + DEFAULT_OUTBOX_TTL_SECONDS);
    }
  });
});
