import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DualwriteStack } from './dualwrite-stack';

export interface BuildDualwriteAppOptions {
  /** Cloud assembly directory. @default - `CDK_OUTDIR` when the CLI runs the app, else a temporary directory */
  readonly outdir?: string;
  /** Stack name (and id); the bus is `<stackName>-events`. @default 'Dualwrite' */
  readonly stackName?: string;
  /**
   * Extra context, over cdk.json's. Context given by the CLI (`-c`) wins over both. For example
   * `{ 'aws:cdk:bundling-stacks': [] }` skips esbuild bundling (tests, the local runtime).
   * @default - cdk.json's context only
   */
  readonly context?: Record<string, unknown>;
}

/**
 * Builds the sample app, with cdk-nag's AwsSolutions checks. `bin/app.ts` calls it for the CLI; the
 * local runtime and the infra tests call it in-process. cdk.json's context (feature flags) and the CLI's path and asset metadata are
 * applied both ways, so an in-process template has the resources, properties and metadata that
 * `cdk synth` writes (the CLI adds only its `CDKMetadata` resource).
 */
export function buildDualwriteApp(options: BuildDualwriteAppOptions = {}): { app: App; stack: DualwriteStack } {
  const app = new App({
    ...(options.outdir !== undefined ? { outdir: options.outdir } : {}),
    context: {
      // As `cdk synth` does: every resource carries its construct path (`aws:cdk:path` metadata,
      // e.g. `Dualwrite/Relay/Function/Resource`), and every function its asset directory
      // (`aws:asset:path`), so a template resource can be traced to its construct and its code.
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
      ...cdkJsonContextUnlessFromCli(),
      ...options.context,
    },
  });
  // cdk-nag 3 is a policy validation plugin, not an aspect: every synthesis of this app (the CLI,
  // the local runtime, Template.fromStack in the infra tests) checks the AwsSolutions rules, and any
  // finding not acknowledged with its reason (Validations.of(construct).acknowledge, next to the
  // construct it concerns) fails it: `app.synth()` throws in-process, and the CLI's `cdk synth`
  // prints the report and exits 1. Warnings count as findings too (the pack reports no success).
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  const stackName = options.stackName ?? 'Dualwrite';
  const stack = new DualwriteStack(app, stackName, { stackName });
  return { app, stack };
}

let cdkJsonContextCache: Record<string, unknown> | undefined;

/**
 * cdk.json's context (read once), for an app run in-process. When the CLI runs the app it already passes that
 * context (merged with cdk.context.json and `-c`) through the environment, which `App` reads itself.
 */
function cdkJsonContextUnlessFromCli(): Record<string, unknown> {
  if (process.env[cxapi.CONTEXT_ENV] !== undefined || process.env[cxapi.CONTEXT_OVERFLOW_LOCATION_ENV] !== undefined) return {};
  cdkJsonContextCache ??=
    (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
  return cdkJsonContextCache;
}
