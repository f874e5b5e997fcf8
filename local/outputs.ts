/**
 * The stack outputs, resolved to local values, written as `cdk deploy --outputs-file` writes them:
 * `{"<StackName>": {"<OutputId>": "<value>", …}}`, plus `AwsEndpointUrl` and `Region` for the
 * emulator, so that the end-to-end tests run unchanged against a local or a deployed stack.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiRouteTable } from './api-routes';
import { conditionHolds } from './intrinsics';
import { errorMessage, type RuntimeLog } from './log';
import type { ProvisionedResources } from './resources';
import type { CfnTemplate } from './template';

export interface LocalApiEndpoint {
  routes: Pick<ApiRouteTable, 'apiId' | 'stageName'>;
  /** `http://127.0.0.1:3000/` */
  url: string;
}

export function resolveOutputs(
  template: CfnTemplate,
  provisioned: ProvisionedResources,
  apis: readonly LocalApiEndpoint[],
  log: RuntimeLog,
): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const [outputId, output] of Object.entries(template.Outputs ?? {})) {
    try {
      if (!conditionHolds(output.Condition, provisioned.scope)) continue;
      const value = provisioned.resolve(output.Value);
      outputs[outputId] = localApiUrl(typeof value === 'string' ? value : JSON.stringify(value), apis);
    } catch (error) {
      log.warn(`output ${outputId} has no local value: ${errorMessage(error)}`);
    }
  }
  return outputs;
}

/** `https://<apiId>.execute-api.<region>.amazonaws.com/<stage>/<rest>` → `http://127.0.0.1:<port>/<rest>`. */
export function localApiUrl(value: string, apis: readonly LocalApiEndpoint[]): string {
  for (const api of apis) {
    const prefix = new RegExp(`^https://${escape(api.routes.apiId)}\\.execute-api\\.[^/]+/${escape(api.routes.stageName)}(/|$)`);
    const match = prefix.exec(value);
    if (match) return `${api.url}${value.slice(match[0].length)}`;
  }
  return value;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Writes the file atomically (a reader never sees half of it). */
export async function writeOutputsFile(file: string, stackName: string, outputs: Record<string, string>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ [stackName]: outputs }, null, 2)}\n`);
  await rename(temporary, file);
}
