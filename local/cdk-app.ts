/**
 * Synthesizes any CDK app as the CDK CLI does, for `npx dualwrite-local`: runs its `app` command
 * (cdk.json's, or `--app`) with `CDK_OUTDIR` and `CDK_CONTEXT_JSON` set, then reads the one stack it
 * is to run from the cloud assembly's manifest.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { CfnTemplate, SynthesizedStack } from './template';

export interface CdkAppOptions {
  /** The app's folder (where cdk.json is): the app command runs there. */
  projectRoot: string;
  /** The command that prints the app. @default cdk.json's `app` */
  appCommand?: string;
  /** The stack to run, by stack name or construct path. @default the app's only stack */
  stackName?: string;
}

/** What `dualwrite-local` cannot work with, said to the person running it. */
export class CdkAppError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CdkAppError';
  }
}

interface CdkJson {
  app?: unknown;
  context?: Record<string, unknown>;
}

interface AssemblyManifest {
  artifacts?: Record<string, { type: string; displayName?: string; properties?: { templateFile?: string; stackName?: string } }>;
}

/** The app command and the context the CLI would pass: cdk.json's, then cdk.context.json's, plus asset metadata. */
export function appInvocation(options: CdkAppOptions): { command: string; context: Record<string, unknown> } {
  const cdkJsonFile = path.join(options.projectRoot, 'cdk.json');
  const cdkJson: CdkJson = existsSync(cdkJsonFile) ? (parseJson(cdkJsonFile) as CdkJson) : {};
  const command = options.appCommand ?? (typeof cdkJson.app === 'string' ? cdkJson.app : undefined);
  if (command === undefined || command.trim() === '') {
    throw new CdkAppError(
      `No CDK app to run: ${existsSync(cdkJsonFile) ? `${cdkJsonFile} has no "app" command` : `there is no cdk.json in ${options.projectRoot}`}. ` +
        'Run dualwrite-local in the folder of your CDK app, or name the app with --app "<command>" (as for `cdk synth --app`).',
    );
  }
  const contextFile = path.join(options.projectRoot, 'cdk.context.json');
  const savedContext = existsSync(contextFile) ? (parseJson(contextFile) as Record<string, unknown>) : {};
  return {
    command,
    // Asset metadata names each function's bundle in the template, which is how the runtime finds its code.
    context: { ...cdkJson.context, ...savedContext, 'aws:cdk:enable-asset-metadata': true },
  };
}

/** Runs the app into `outdir` (emptied first) and returns the stack to run. The app's own output goes to stderr. */
export async function synthesizeCdkApp(options: CdkAppOptions & { outdir: string }): Promise<SynthesizedStack> {
  const { command, context } = appInvocation(options);
  await rm(options.outdir, { recursive: true, force: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(command, {
      cwd: options.projectRoot,
      shell: true,
      // stdout too goes to our stderr: the runtime's stdout carries the ready line only.
      stdio: ['ignore', 2, 2],
      env: { ...process.env, CDK_OUTDIR: options.outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    });
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new CdkAppError(`the app command \`${command}\` exited with code ${code} (its output is above)`);
  return stackFromAssembly(options.outdir, options.stackName);
}

/** The stack to run from a cloud assembly: the one named, or the only one. */
export function stackFromAssembly(assemblyDirectory: string, stackName?: string): SynthesizedStack {
  const manifestFile = path.join(assemblyDirectory, 'manifest.json');
  if (!existsSync(manifestFile)) throw new CdkAppError(`the app wrote no cloud assembly to ${assemblyDirectory} (is it a CDK app that calls app.synth()?)`);
  const artifacts = Object.entries((parseJson(manifestFile) as AssemblyManifest).artifacts ?? {});
  const stacks = artifacts
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([id, artifact]) => ({
      id,
      name: artifact.properties?.stackName ?? id,
      path: artifact.displayName ?? id,
      templateFile: artifact.properties?.templateFile ?? `${id}.template.json`,
    }));
  const nested = artifacts.filter(([, artifact]) => artifact.type === 'cdk:cloud-assembly').map(([id]) => id);
  const described = stacks.map((stack) => stack.name).join(', ') || 'none';
  let chosen;
  if (stackName !== undefined) {
    chosen = stacks.find((stack) => stack.name === stackName || stack.path === stackName || stack.id === stackName);
    if (chosen === undefined) throw new CdkAppError(`the app has no stack ${stackName} (its stacks: ${described})`);
  } else if (stacks.length === 1) {
    chosen = stacks[0]!;
  } else {
    throw new CdkAppError(
      stacks.length === 0
        ? `the app has no stack at its top level${nested.length > 0 ? ` (stages ${nested.join(', ')} are not run locally)` : ''}`
        : `the app has ${stacks.length} stacks (${described}); name the one to run with --stack <name>`,
    );
  }
  return {
    stackName: chosen.name,
    template: parseJson(path.join(assemblyDirectory, chosen.templateFile)) as CfnTemplate,
    assemblyDirectory,
  };
}

function parseJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new CdkAppError(`${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
