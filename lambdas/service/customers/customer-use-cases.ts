import type { RequestContext, UseCaseEnvironment } from '../use-case-context';
import type { Customer } from './customer';
import type { CustomerRepository } from './customer-repository';
import type { PutCustomerCommand } from './customer-requests';

export interface CustomerUseCaseDependencies extends Pick<UseCaseEnvironment, 'clock'> {
  customers: CustomerRepository;
}

export interface CustomerView {
  customerId: string;
  name: string;
  email: string;
  version: number;
}

const view = (customer: Customer): CustomerView => ({
  customerId: customer.customerId,
  name: customer.name,
  email: customer.email,
  version: customer.version,
});

/**
 * Creates or replaces a customer with one plain write; the CDC function publishes the change.
 * A PUT that changes nothing writes nothing, so it adds no stream record and no event.
 */
export async function putCustomer(
  deps: CustomerUseCaseDependencies,
  customerId: string,
  command: PutCustomerCommand,
  request: RequestContext,
): Promise<CustomerView> {
  const current = await deps.customers.findById(customerId);
  if (current !== undefined && current.name === command.name && current.email === command.email) return view(current);
  const readVersion = current?.version ?? 0;
  const next: Customer = {
    customerId,
    name: command.name,
    email: command.email,
    version: readVersion + 1,
    updatedAt: deps.clock().toISOString(),
    correlationId: request.correlationId,
  };
  await deps.customers.save(next, readVersion);
  return view(next);
}

export async function deleteCustomer(deps: Pick<CustomerUseCaseDependencies, 'customers'>, customerId: string): Promise<void> {
  await deps.customers.delete(customerId);
}
