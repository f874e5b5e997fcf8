// `npm run build` (and `npm pack`, through `prepack`): compiles the package's entry modules
// (tsconfig.build.json) into dist/, and copies beside them the files the local runtime opens by
// path: the emulator launcher and the requirements its venv is made from.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

// In dist/ the runtime's project root is dist/ itself (local/template.ts), so the paths stay as in the repo.
for (const file of ['local/emulator/moto_launcher.py', 'requirements-dev.txt']) {
  mkdirSync(path.dirname(path.join(dist, file)), { recursive: true });
  copyFileSync(path.join(root, file), path.join(dist, file));
}
chmodSync(path.join(dist, 'exports', 'dualwrite-local.js'), 0o755);
