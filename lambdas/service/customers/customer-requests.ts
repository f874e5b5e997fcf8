import * as z from 'zod';
import { nonBlankString, validate } from '../http/validation';

/** `PUT /customers/{customerId}`: zod's email format (one @, a dotted domain, no spaces), at most 254 characters. */
export const putCustomerRequestSchema = z.strictObject({
  name: nonBlankString(200),
  email: z.email().max(254),
});

export type PutCustomerCommand = z.output<typeof putCustomerRequestSchema>;

export function parsePutCustomerRequest(body: unknown): PutCustomerCommand {
  return validate(putCustomerRequestSchema, body, 'request body');
}
