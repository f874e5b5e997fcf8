import type { Customer } from './customer';

/** Storage port of the customers flow; `dynamodb-customer-repository.ts` is the adapter. */
export interface CustomerRepository {
  findById(customerId: string): Promise<Customer | undefined>;
  /**
   * One plain conditional write (no transaction, no outbox): new when `expectedVersion` is 0,
   * else only while the stored version is still `expectedVersion`. Throws VersionConflictError otherwise.
   */
  save(customer: Customer, expectedVersion: number): Promise<void>;
  /** Throws NotFoundError when there is no such customer. */
  delete(customerId: string): Promise<void>;
}
