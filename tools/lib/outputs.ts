/**
 * The stack outputs a tool works on, read from an outputs file: `.local/outputs.json` written by the
 * local runtime, or the file of `cdk deploy --outputs-file`. Both are `{ "<stack>": { "<key>": "…" } }`;
 * the local one adds `AwsEndpointUrl` and `Region`, which then configure the SDK clients.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './cli';

export const DEFAULT_OUTPUTS_FILE = '.local/outputs.json';

export type OutputKey =
  | 'ApiUrl'
  | 'TableName'
  | 'EventBusName'
  | 'IdempotencyTableName'
  | 'RelayDeadLetterQueueUrl'
  | 'CdcDeadLetterQueueUrl'
  | 'TimelineQueueUrl'
  | 'TimelineDeadLetterQueueUrl'
  | 'PaymentsQueueUrl'
  | 'PaymentsDeadLetterQueueUrl'
  | 'AwsEndpointUrl'
  | 'Region';

export interface StackOutputs {
  file: string;
  stackName: string;
  values: Readonly<Record<string, string>>;
  /** Set for the local runtime (and any emulator): the SDK clients go there. */
  endpoint?: string;
  region?: string;
  /** The value of `key`, or a UsageError naming the key, the stack and the file. */
  require(key: OutputKey): string;
}

export function loadStackOutputs(file: string, stackName?: string): StackOutputs {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error: unknown) {
    if ((error as { code?: unknown }).code === 'ENOENT') {
      throw new UsageError(
        `outputs file ${file} not found: start the local runtime (npm start writes ${DEFAULT_OUTPUTS_FILE}), ` +
          'or pass --outputs <file> written by `cdk deploy --outputs-file <file>`',
      );
    }
    throw new UsageError(`cannot read outputs file ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`outputs file ${file} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`outputs file ${file} must hold an object of stacks, e.g. {"Dualwrite": {"TableName": "…"}}`);
  }
  const stacks = parsed as Record<string, unknown>;
  const names = Object.keys(stacks);
  if (names.length === 0) throw new UsageError(`outputs file ${file} holds no stack`);
  let chosen: string;
  if (stackName !== undefined) {
    if (!(stackName in stacks)) throw new UsageError(`outputs file ${file} has no stack "${stackName}" (it has: ${names.join(', ')})`);
    chosen = stackName;
  } else if (names.length === 1) {
    chosen = names[0]!;
  } else {
    throw new UsageError(`outputs file ${file} holds several stacks (${names.join(', ')}): choose one with --stack <name>`);
  }
  const raw = stacks[chosen];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`stack "${chosen}" in ${file} is not an object of outputs`);
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) if (typeof value === 'string' && value !== '') values[key] = value;
  return {
    file,
    stackName: chosen,
    values,
    endpoint: values.AwsEndpointUrl,
    region: values.Region,
    require(key) {
      const value = values[key];
      if (value === undefined) throw new UsageError(`outputs of stack "${chosen}" in ${file} have no ${key}`);
      return value;
    },
  };
}

/**
 * SDK client settings for these outputs: the emulator's endpoint and region (with the test
 * credentials unless the environment has some) when the outputs name one, else the SDK's defaults
 * (the default credential chain and region).
 */
export function clientConfigFor(outputs: Pick<StackOutputs, 'endpoint' | 'region'>, env: NodeJS.ProcessEnv = process.env) {
  if (outputs.endpoint === undefined) return outputs.region === undefined ? {} : { region: outputs.region };
  const credentials =
    env.AWS_ACCESS_KEY_ID !== undefined && env.AWS_SECRET_ACCESS_KEY !== undefined
      ? undefined
      : { accessKeyId: 'test', secretAccessKey: 'test' };
  return {
    endpoint: outputs.endpoint,
    region: outputs.region ?? env.AWS_REGION ?? 'us-east-1',
    ...(credentials === undefined ? {} : { credentials }),
  };
}
