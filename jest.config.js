// @ts-check
/**
 * One Jest project per test layer of docs/design.md#test-layers. Integration and end-to-end tests
 * start what they need (the emulator, the local runtime) in their project's global setup and stop
 * it in its global teardown; unit and infra tests need nothing.
 *
 * TypeScript is compiled by @swc/jest (types are checked by `npm run typecheck`, which `npm test`
 * runs first), as `cdk init app --language typescript` sets Jest up.
 */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};

/**
 * A test layer: the `.test.ts` files under test/<name>/, with its per-test timeout (hooks get the
 * same unless they pass their own).
 * @param {string} name @param {number} testTimeout @param {import('jest').Config} settings
 * @returns {import('jest').Config}
 */
const layer = (name, testTimeout, settings = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  transform,
  // Sources import each other with the `.js` endings Node's module resolution wants: Jest resolves
  // them to the `.ts` files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globals: { testTimeout },
  ...settings,
  setupFilesAfterEnv: ['<rootDir>/test/support/layer-timeout.ts', ...(settings.setupFilesAfterEnv ?? [])],
});

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    layer('unit', 5_000),
    layer('infra', 120_000, {
      // Removes the cloud assemblies that synthesizing tests leave in the temp directory.
      setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
    }),
    layer('integration', 60_000, {
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    }),
    layer('e2e', 120_000, {
      globalSetup: '<rootDir>/test/e2e/global-setup.ts',
      globalTeardown: '<rootDir>/test/e2e/global-teardown.ts',
      // The e2e files share one stack, and one of them proves that hostile requests leave its table
      // unchanged: they run one at a time, after the other layers.
      runner: '<rootDir>/test/e2e/serial-runner.js',
    }),
  ],
};
