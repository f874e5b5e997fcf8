import type { NewEventInput } from '../../../exports/runtime';
import { STATE_SORT_KEY } from '../keys';
import { CUSTOMER_AGGREGATE_TYPE, CUSTOMER_EVENT_SOURCE, CUSTOMER_TRACKED_FIELDS } from './customer';

/**
 * One change of a customer item as the CDC function hands it over (images unmarshalled). Declared
 * here, structurally, so that the mapper stays a pure function of its input and needs nothing
 * from the CDC runtime to be tested.
 */
export interface CustomerItemChange {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  tableName?: string;
  keys: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
  newImage?: Record<string, unknown>;
  sequenceNumber: string;
  approximateCreationDateTime: Date;
}

/** An event before the CDC function fixes its id (derived from the stream record) and time. */
export type CustomerEventDraft = Omit<NewEventInput, 'id' | 'occurredAt'>;

export type FieldChange = { old: unknown; new: unknown };

/** Item images of a customer that cannot be turned into an event (missing key fields or version). */
export class UnmappableCustomerChangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnmappableCustomerChangeError';
  }
}

function requireImage(change: CustomerItemChange, which: 'oldImage' | 'newImage'): Record<string, unknown> {
  const image = change[which];
  if (image === undefined) {
    throw new UnmappableCustomerChangeError(
      `${change.eventName} of ${String(change.keys.pk)} has no ${which}; the stream must use NEW_AND_OLD_IMAGES`,
    );
  }
  return image;
}

function versionOf(image: Record<string, unknown>, pk: string): number {
  const version = image.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new UnmappableCustomerChangeError(`customer item ${pk} has no valid version`);
  }
  return version;
}

function customerIdOf(change: CustomerItemChange, image: Record<string, unknown>): string {
  if (typeof image.customerId === 'string' && image.customerId.length > 0) return image.customerId;
  const pk = String(change.keys.pk ?? '');
  const separator = pk.indexOf('#');
  if (separator < 0 || separator === pk.length - 1) throw new UnmappableCustomerChangeError(`customer item key "${pk}" names no customer`);
  return pk.slice(separator + 1);
}

function correlationIdOf(image: Record<string, unknown>, change: CustomerItemChange): string {
  return typeof image.correlationId === 'string' && image.correlationId.length > 0 ? image.correlationId : String(change.keys.pk);
}

/**
 * Transaction log tailing: turns a change of a customer item into the domain event it means.
 * INSERT → CustomerRegistered, MODIFY → CustomerUpdated naming each changed field with old and new
 * value (a change to none of them is no event), REMOVE → CustomerDeleted (version = last + 1).
 */
export function mapCustomerChange(change: CustomerItemChange): CustomerEventDraft | undefined {
  if (change.keys.sk !== undefined && change.keys.sk !== STATE_SORT_KEY) return undefined;
  const pk = String(change.keys.pk);
  const common = { source: CUSTOMER_EVENT_SOURCE, aggregateType: CUSTOMER_AGGREGATE_TYPE };
  switch (change.eventName) {
    case 'INSERT': {
      const image = requireImage(change, 'newImage');
      return {
        ...common,
        type: 'CustomerRegistered',
        aggregateId: customerIdOf(change, image),
        aggregateVersion: versionOf(image, pk),
        correlationId: correlationIdOf(image, change),
        data: { name: image.name, email: image.email },
      };
    }
    case 'MODIFY': {
      const before = requireImage(change, 'oldImage');
      const after = requireImage(change, 'newImage');
      const changes: Record<string, FieldChange> = {};
      for (const field of CUSTOMER_TRACKED_FIELDS) {
        if (before[field] !== after[field]) changes[field] = { old: before[field], new: after[field] };
      }
      if (Object.keys(changes).length === 0) return undefined;
      return {
        ...common,
        type: 'CustomerUpdated',
        aggregateId: customerIdOf(change, after),
        aggregateVersion: versionOf(after, pk),
        correlationId: correlationIdOf(after, change),
        data: { changes },
      };
    }
    case 'REMOVE': {
      const before = requireImage(change, 'oldImage');
      return {
        ...common,
        type: 'CustomerDeleted',
        aggregateId: customerIdOf(change, before),
        // A delete leaves no item to carry a version: the event takes the next one after the last write.
        aggregateVersion: versionOf(before, pk) + 1,
        // DeleteItem writes no attributes, so the deleting request's id cannot reach the stream;
        // the last writer's correlation id is the closest link there is.
        correlationId: correlationIdOf(before, change),
        data: {},
      };
    }
  }
}
