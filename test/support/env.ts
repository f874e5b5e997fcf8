/**
 * Sets environment variables for one test and puts them back afterwards (Jest has no `stubEnv`):
 * call `stubEnv` in the test and `restoreEnv` in an `afterEach`.
 */
const saved = new Map<string, string | undefined>();

export function stubEnv(name: string, value: string): void {
  if (!saved.has(name)) saved.set(name, process.env[name]);
  process.env[name] = value;
}

export function restoreEnv(): void {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  saved.clear();
}
