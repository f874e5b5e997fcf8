export const CUSTOMER_EVENT_SOURCE = 'dualwrite.customers';
export const CUSTOMER_AGGREGATE_TYPE = 'Customer';

/** The customer item (transaction log tailing: no outbox; the CDC function turns changes into events). */
export interface Customer {
  customerId: string;
  name: string;
  email: string;
  version: number;
  updatedAt: string;
  /** The request that last wrote the item: the CDC function carries it into the event it derives. */
  correlationId: string;
}

/** The fields whose change is a domain event; the others (version, updatedAt, …) are bookkeeping. */
export const CUSTOMER_TRACKED_FIELDS = ['name', 'email'] as const;
