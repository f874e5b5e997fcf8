/**
 * The synthesized CloudFormation template: the local runtime's single source of truth (docs/design.md#local-runtime).
 * Nothing in local/ lists resources or functions by hand; everything is read from here.
 */
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
}

export interface CfnOutput {
  Value: unknown;
  Description?: string;
  Condition?: string;
  Export?: unknown;
}

export interface CfnTemplate {
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, CfnOutput>;
}

export interface SynthesizedStack {
  stackName: string;
  template: CfnTemplate;
  /** The cloud assembly directory; asset paths in resource metadata are relative to it. */
  assemblyDirectory: string;
}

/** The repository root: the folder above `local/`. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The resources of one type, in template order. */
export function resourcesOfType(template: CfnTemplate, type: string): Array<[logicalId: string, resource: CfnResource]> {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

export interface FunctionCode {
  /** Absolute path of the module file that holds the handler. */
  modulePath: string;
  /** The export to call (`handler` for `Handler: index.handler`). */
  exportName: string;
}

/**
 * Where a function's code is: the asset directory named by `Metadata['aws:asset:path']` (or an
 * inline `Code.ZipFile`, written out under the assembly) plus the `Handler` setting `file.export`.
 */
export function functionCode(stack: SynthesizedStack, logicalId: string, resource: CfnResource): FunctionCode {
  const properties = resource.Properties ?? {};
  const handler = typeof properties.Handler === 'string' ? properties.Handler : 'index.handler';
  const lastDot = handler.lastIndexOf('.');
  if (lastDot <= 0) throw new Error(`${logicalId}: Handler "${handler}" is not of the form file.export`);
  const file = handler.slice(0, lastDot);
  const exportName = handler.slice(lastDot + 1);

  let directory: string;
  const assetPath = resource.Metadata?.['aws:asset:path'];
  const code = properties.Code as { ZipFile?: unknown } | undefined;
  if (typeof assetPath === 'string') {
    directory = path.resolve(stack.assemblyDirectory, assetPath);
  } else if (typeof code?.ZipFile === 'string') {
    directory = path.join(stack.assemblyDirectory, 'local-inline-code', logicalId);
    mkdirSync(directory, { recursive: true });
    writeFileSync(path.join(directory, `${file}.js`), code.ZipFile);
  } else {
    throw new Error(`${logicalId}: no code found (neither Metadata aws:asset:path nor Code.ZipFile)`);
  }

  for (const extension of ['.js', '.cjs', '.mjs']) {
    const candidate = path.join(directory, `${file}${extension}`);
    if (existsSync(candidate)) return { modulePath: candidate, exportName };
  }
  throw new Error(`${logicalId}: handler file ${file}.js (or .cjs/.mjs) not found in ${directory}`);
}
