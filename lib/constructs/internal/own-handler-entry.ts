import { existsSync } from 'node:fs';

/**
 * The file of a handler that dualwrite itself ships, given without its extension: the TypeScript
 * source when the constructs run from this repository, the compiled `.js` when they run from the
 * installed package (which ships no `.ts` sources). Either way the app's esbuild bundles it at synth.
 */
export function ownHandlerEntry(pathWithoutExtension: string): string {
  const source = `${pathWithoutExtension}.ts`;
  return existsSync(source) ? source : `${pathWithoutExtension}.js`;
}
