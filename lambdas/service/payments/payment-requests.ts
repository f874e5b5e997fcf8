import * as z from 'zod';
import { integerBetween, validate } from '../http/validation';

/** The largest order total `POST /orders` can produce (100 items × 10,000 × 100,000,000 cents). */
export const MAX_PAYMENT_AMOUNT_CENTS = 100_000_000_000_000;

/** `POST /orders/{orderId}/payments`. */
export const requestPaymentRequestSchema = z.strictObject({
  amountCents: integerBetween(1, MAX_PAYMENT_AMOUNT_CENTS),
});

export type RequestPaymentCommand = z.output<typeof requestPaymentRequestSchema>;

export function parseRequestPaymentRequest(body: unknown): RequestPaymentCommand {
  return validate(requestPaymentRequestSchema, body, 'request body');
}
