import path from 'node:path';
import { buildDualwriteApp } from '../lib/dualwrite-app';
import { PROJECT_ROOT, type CfnTemplate, type SynthesizedStack } from './template';

export interface SynthesizeOptions {
  /** Where the cloud assembly goes; relative paths are relative to the project root. */
  outdir: string;
  stackName?: string;
  context?: Record<string, unknown>;
}

/**
 * Synthesizes the app in this process. `NodejsFunction` bundles every function with the local
 * esbuild during synth, so each function's code is ready in `asset.<hash>/index.js` afterwards.
 */
export function synthesizeStack(options: SynthesizeOptions): SynthesizedStack {
  const outdir = path.resolve(PROJECT_ROOT, options.outdir);
  const { app, stack } = buildDualwriteApp({
    outdir,
    ...(options.stackName !== undefined ? { stackName: options.stackName } : {}),
    ...(options.context !== undefined ? { context: options.context } : {}),
  });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  return {
    stackName: artifact.stackName,
    template: artifact.template as CfnTemplate,
    assemblyDirectory: assembly.directory,
  };
}
