import { makeChangeDataCaptureHandler } from '../../../exports/runtime-cdc';
import { mapCustomerChange } from './customer-change-mapper';

/**
 * The customers CDC Lambda (transaction log tailing): the stream of customer items, through the
 * service's mapper, becomes `CustomerRegistered` / `CustomerUpdated` / `CustomerDeleted` on the bus.
 */
export const handler = makeChangeDataCaptureHandler({ mapper: mapCustomerChange });
