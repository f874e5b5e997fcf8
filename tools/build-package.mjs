// `npm run build` (and `npm pack`, through `prepack`): compiles the package's entry modules
// (tsconfig.build.json) into dist/ as CommonJS with .d.ts, adds an ES module of each runtime entry
// for bundlers, and copies the files the local runtime opens by path: the emulator launcher and
// the requirements its venv is made from.
//
// Why the ES modules: a service's Lambda imports `dualwrite/runtime` and the app's esbuild bundles
// it. From CommonJS esbuild keeps every module the entry requires (the consumer's Powertools too,
// in a function that only writes); from an ES module (package.json's `import` condition) it keeps
// what the function uses. Dependencies stay imports, resolved from the app's node_modules.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildSync } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

// The relay's handler too: OutboxRelay bundles it from the package (own-handler-entry.ts picks the .mjs).
const esModules = {
  'exports/runtime.ts': 'esm/runtime.mjs',
  'exports/runtime-cdc.ts': 'esm/runtime-cdc.mjs',
  'lambdas/dualwrite/relay/handler.ts': 'lambdas/dualwrite/relay/handler.mjs',
};
for (const [source, target] of Object.entries(esModules)) {
  buildSync({
    entryPoints: [path.join(root, source)],
    outfile: path.join(dist, target),
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}

// In dist/ the runtime's project root is dist/ itself (local/template.ts), so the paths stay as in the repo.
// The inspector's page (local/inspector/static/) is served from files, so it ships as it is.
for (const file of ['local/emulator/moto_launcher.py', 'requirements-dev.txt', ...['index.html', 'inspector.css', 'inspector.js'].map((name) => `local/inspector/static/${name}`)]) {
  mkdirSync(path.dirname(path.join(dist, file)), { recursive: true });
  copyFileSync(path.join(root, file), path.join(dist, file));
}
chmodSync(path.join(dist, 'exports', 'dualwrite-local.js'), 0o755);
