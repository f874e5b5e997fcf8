import { startEmulator } from '../../local/emulator';
import { handOverAwsEndpoint } from '../support/handoff';
import { afterTheRun } from '../support/teardown';

/**
 * Starts one emulator (moto through local/emulator/moto_launcher.py) on a free port for the whole
 * integration run, or uses `AWS_ENDPOINT_URL` when it is set (LocalStack, an `npm start` already
 * running) and starts nothing. Test files share it, so each test names its own tables and queues
 * (`uniqueName`); they read the endpoint with `awsEndpoint()` from `./support/aws`.
 */
export default async function setup(): Promise<void> {
  const external = process.env.AWS_ENDPOINT_URL;
  if (external !== undefined && external !== '') {
    handOverAwsEndpoint(external);
    return;
  }
  const emulator = await startEmulator();
  handOverAwsEndpoint(emulator.endpoint);
  afterTheRun('integration', () => emulator.stop());
}
