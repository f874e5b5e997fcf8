/**
 * What a layer's global setup hands to its tests. Jest runs `globalSetup` in the parent process
 * before it starts the test workers, and each worker inherits the parent's environment, so the
 * setup writes these variables and the tests read them. Each read fails with a clear message when
 * the variable is missing: a test file run outside its Jest project would otherwise talk to nothing.
 */
const AWS_ENDPOINT_VARIABLE = 'DUALWRITE_TEST_AWS_ENDPOINT';
const STACK_OUTPUTS_VARIABLE = 'DUALWRITE_TEST_STACK_OUTPUTS';

/** Set by test/integration/global-setup.ts. */
export function handOverAwsEndpoint(endpoint: string): void {
  process.env[AWS_ENDPOINT_VARIABLE] = endpoint;
}

/** The emulator every integration test talks to (or `AWS_ENDPOINT_URL` when the setup was given one). */
export function handedOverAwsEndpoint(): string {
  return required(AWS_ENDPOINT_VARIABLE, 'the integration project (npx jest --selectProjects integration)');
}

/** Set by test/e2e/global-setup.ts. */
export function handOverStackOutputs(outputs: Record<string, string>): void {
  process.env[STACK_OUTPUTS_VARIABLE] = JSON.stringify(outputs);
}

/** The stack's outputs: `ApiUrl`, `TableName`, …; locally also `AwsEndpointUrl` and `Region`. */
export function handedOverStackOutputs(): Record<string, string> {
  return JSON.parse(required(STACK_OUTPUTS_VARIABLE, 'the e2e project (npx jest --selectProjects e2e)')) as Record<string, string>;
}

function required(name: string, project: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: its global setup did not run. Run this test file through ${project}.`);
  }
  return value;
}
