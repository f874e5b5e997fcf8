import { expectObject, optionalInteger, optionalString, requireArray, requireInteger, requireString } from '../http/validation';
import type { OrderLine } from './order';

export interface PlaceOrderCommand {
  customerId: string;
  items: OrderLine[];
}

export interface CancelOrderCommand {
  reason?: string;
  expectedVersion?: number;
}

export function parsePlaceOrderRequest(body: unknown): PlaceOrderCommand {
  const request = expectObject(body, 'request body', ['customerId', 'items']);
  const customerId = requireString(request, 'customerId', 'customerId', 128);
  const items = requireArray(request, 'items', 'items', 1, 100).map((value, index): OrderLine => {
    const what = `items[${index}]`;
    const line = expectObject(value, what, ['sku', 'quantity', 'unitPriceCents']);
    return {
      sku: requireString(line, 'sku', `${what}.sku`, 128),
      quantity: requireInteger(line, 'quantity', `${what}.quantity`, 1),
      unitPriceCents: requireInteger(line, 'unitPriceCents', `${what}.unitPriceCents`, 0),
    };
  });
  return { customerId, items };
}

export function parseCancelOrderRequest(body: unknown): CancelOrderCommand {
  const request = expectObject(body, 'request body', ['reason', 'expectedVersion']);
  const reason = optionalString(request, 'reason', 'reason', 500);
  const expectedVersion = optionalInteger(request, 'expectedVersion', 'expectedVersion', 1);
  return {
    ...(reason !== undefined ? { reason } : {}),
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
  };
}
