import { expectObject, requireInteger } from '../http/validation';

export interface RequestPaymentCommand {
  amountCents: number;
}

export function parseRequestPaymentRequest(body: unknown): RequestPaymentCommand {
  const request = expectObject(body, 'request body', ['amountCents']);
  return { amountCents: requireInteger(request, 'amountCents', 'amountCents', 1) };
}
