/**
 * Jest's `expect`, which also takes a message to show when the assertion fails:
 * `expect(response.status, \`answered ${seen}\`).toBe(201)`. The matchers are Jest's own; only a
 * failure's text gains the message in front.
 */
import { expect as jestExpect } from '@jest/globals';

type JestExpect = typeof jestExpect;
type ExpectWithMessage = JestExpect & (<T = unknown>(actual: T, message?: string) => ReturnType<JestExpect>);

const CHAINS = new Set<PropertyKey>(['not', 'resolves', 'rejects']);

export const expect: ExpectWithMessage = Object.assign(
  (actual: unknown, message?: string) => (message === undefined ? jestExpect(actual) : explained(jestExpect(actual), message)),
  jestExpect,
) as ExpectWithMessage;

function explained<T extends object>(matchers: T, message: string): T {
  return new Proxy(matchers, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (CHAINS.has(key) && typeof value === 'object' && value !== null) return explained(value, message);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result: unknown = value.apply(target, args);
          return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(prefixed(error, message))) : result;
        } catch (error) {
          throw prefixed(error, message);
        }
      };
    },
  });
}

function prefixed(error: unknown, message: string): unknown {
  if (error instanceof Error) {
    error.message = `${message}\n\n${error.message}`;
    if (error.stack !== undefined) error.stack = `${message}\n\n${error.stack}`;
  }
  return error;
}
