import { teardownOf } from '../support/teardown';

/** Stops the emulator that ./global-setup.ts started, if it started one. */
export default teardownOf('integration');
