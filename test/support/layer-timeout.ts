/**
 * Each Jest project's per-test timeout (jest.config.js sets it as the `testTimeout` global: Jest's
 * own `testTimeout` is read from the top-level config only, so a project's value would be ignored).
 * Hooks get the same timeout unless they pass their own.
 */
import { jest } from '@jest/globals';

const timeoutMs = (globalThis as { testTimeout?: unknown }).testTimeout;
if (typeof timeoutMs !== 'number') throw new Error('jest.config.js sets a testTimeout global for every project');
jest.setTimeout(timeoutMs);
