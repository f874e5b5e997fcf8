import * as z from 'zod';
import { integerBetween, nonBlankString, validate } from '../http/validation';

/** Bounds that keep every order's event far below EventBridge's 256 KB and its total an exact integer. */
export const ORDER_LIMITS = {
  maxItems: 100,
  maxSkuLength: 128,
  maxCustomerIdLength: 128,
  maxQuantity: 10_000,
  /** 1,000,000.00 in the currency's units. */
  maxUnitPriceCents: 100_000_000,
  maxReasonLength: 500,
  /** The largest version an outbox sort key can hold (`OUTBOX#` + 10 digits). */
  maxVersion: 9_999_999_999,
} as const;

const orderLineSchema = z.strictObject({
  sku: nonBlankString(ORDER_LIMITS.maxSkuLength),
  quantity: integerBetween(1, ORDER_LIMITS.maxQuantity),
  unitPriceCents: integerBetween(0, ORDER_LIMITS.maxUnitPriceCents),
});

/** `POST /orders`. Unknown fields are refused (a typo is an error, not silently ignored). */
export const placeOrderRequestSchema = z.strictObject({
  customerId: nonBlankString(ORDER_LIMITS.maxCustomerIdLength),
  items: z.array(orderLineSchema).min(1).max(ORDER_LIMITS.maxItems),
});

/** `POST /orders/{orderId}/cancel`; every field optional, `null` read as absent. */
export const cancelOrderRequestSchema = z
  .strictObject({
    reason: z.string().max(ORDER_LIMITS.maxReasonLength).nullish(),
    expectedVersion: integerBetween(1, ORDER_LIMITS.maxVersion).nullish(),
  })
  .transform(({ reason, expectedVersion }) => ({
    ...(reason !== undefined && reason !== null ? { reason } : {}),
    ...(expectedVersion !== undefined && expectedVersion !== null ? { expectedVersion } : {}),
  }));

export type PlaceOrderCommand = z.output<typeof placeOrderRequestSchema>;
export type CancelOrderCommand = { reason?: string; expectedVersion?: number };

export function parsePlaceOrderRequest(body: unknown): PlaceOrderCommand {
  return validate(placeOrderRequestSchema, body, 'request body');
}

export function parseCancelOrderRequest(body: unknown): CancelOrderCommand {
  return validate(cancelOrderRequestSchema, body, 'request body');
}
