import type { TestProject } from 'vitest/node';

import { startEmulator } from '../../local/emulator';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The AWS emulator every integration test talks to; read it with `awsEndpoint()` from `./support/aws`. */
    awsEndpointUrl: string;
  }
}

/**
 * Starts one emulator (moto through local/emulator/moto_launcher.py) on a free port for the whole
 * integration run, or uses `AWS_ENDPOINT_URL` when it is set (LocalStack, an `npm start` already
 * running) and starts nothing. Test files share it, so each test names its own tables and queues
 * (`uniqueName`).
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.AWS_ENDPOINT_URL;
  if (external !== undefined && external !== '') {
    project.provide('awsEndpointUrl', external);
    return undefined;
  }
  const emulator = await startEmulator();
  project.provide('awsEndpointUrl', emulator.endpoint);
  return () => emulator.stop();
}
