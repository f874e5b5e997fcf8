import { existsSync } from 'node:fs';

/**
 * The file of a handler that dualwrite itself ships, given without its extension: the TypeScript
 * source when the constructs run from this repository, the ES module build (`.mjs`, which esbuild
 * can tree-shake) when they run from the installed package, which ships no `.ts` sources; the
 * CommonJS `.js` if neither is there. Either way the app's esbuild bundles it at synth.
 */
export function ownHandlerEntry(pathWithoutExtension: string): string {
  const candidates = ['.ts', '.mjs'].map((extension) => `${pathWithoutExtension}${extension}`);
  return candidates.find((candidate) => existsSync(candidate)) ?? `${pathWithoutExtension}.js`;
}
