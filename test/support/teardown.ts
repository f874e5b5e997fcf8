/**
 * Jest runs a project's `globalSetup` and `globalTeardown` as two modules in the same parent
 * process, so a setup that starts something (the emulator, the local runtime) registers how to
 * stop it here, on `globalThis`, and the project's teardown module runs it.
 */
type Stop = () => Promise<void>;

const registry = globalThis as typeof globalThis & { __dualwriteTestTeardowns?: Map<string, Stop> };

/** Called by a global setup: `stop` runs when the run ends. */
export function afterTheRun(layer: string, stop: Stop): void {
  registry.__dualwriteTestTeardowns ??= new Map();
  registry.__dualwriteTestTeardowns.set(layer, stop);
}

/** The teardown of one layer: runs what its setup registered (nothing, when it started nothing). */
export function teardownOf(layer: string): () => Promise<void> {
  return async () => {
    const stop = registry.__dualwriteTestTeardowns?.get(layer);
    registry.__dualwriteTestTeardowns?.delete(layer);
    await stop?.();
  };
}
