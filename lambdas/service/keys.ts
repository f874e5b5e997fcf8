/** Table keys of the sample service (docs/internals.md, "Table items"). */
export const STATE_SORT_KEY = 'STATE';
export const CACHE_SORT_KEY = 'CACHE';
export const TIMELINE_SORT_KEY = 'TIMELINE';

/** `ORDER#<id>`, `PAYMENT#<id>`, `CUSTOMER#<id>`: an aggregate's partition, shared by its state, outbox and timeline. */
export function aggregatePartitionKey(aggregateType: string, aggregateId: string): string {
  return `${aggregateType.toUpperCase()}#${aggregateId}`;
}

export const orderPartitionKey = (orderId: string): string => aggregatePartitionKey('Order', orderId);
export const paymentPartitionKey = (paymentId: string): string => aggregatePartitionKey('Payment', paymentId);
export const customerPartitionKey = (customerId: string): string => aggregatePartitionKey('Customer', customerId);
