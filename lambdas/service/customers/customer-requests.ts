import { ValidationError } from '../errors';
import { expectObject, requireString } from '../http/validation';

export interface PutCustomerCommand {
  name: string;
  email: string;
}

/** Plausible, not verified: one @, something before it, a dot in the domain, no spaces. */
const PLAUSIBLE_EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export function parsePutCustomerRequest(body: unknown): PutCustomerCommand {
  const request = expectObject(body, 'request body', ['name', 'email']);
  const name = requireString(request, 'name', 'name', 200);
  const email = requireString(request, 'email', 'email', 254);
  if (!PLAUSIBLE_EMAIL.test(email)) throw new ValidationError('email must be an email address');
  return { name, email };
}
