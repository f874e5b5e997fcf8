import { teardownOf } from '../support/teardown';

/** Stops the local runtime that ./global-setup.ts started, if it started one. */
export default teardownOf('e2e');
