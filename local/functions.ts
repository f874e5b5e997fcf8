/** The template's `AWS::Lambda::Function`s as local `LambdaFunction`s (worker pools running the bundled code). */
import { conditionHolds } from './intrinsics';
import { LambdaFunction } from './lambda-runtime';
import type { FunctionCodeOverride } from './faults';
import type { RuntimeLog } from './log';
import type { ProvisionedResources } from './resources';
import { functionCode, resourcesOfType, type SynthesizedStack } from './template';

export interface LocalFunction {
  logicalId: string;
  lambda: LambdaFunction;
}

export interface CreateFunctionsOptions {
  stack: SynthesizedStack;
  provisioned: ProvisionedResources;
  /** Variables every function gets on top of its own (endpoint, region, credentials). */
  runtimeEnvironment: Record<string, string>;
  /** ARNs of the functions that serve API routes: they get a pool of workers, the others one. */
  apiFunctionArns: ReadonlySet<string>;
  /** Other code for some functions (a test seam, local/faults.ts). */
  codeOverrides?: readonly FunctionCodeOverride[];
  log: RuntimeLog;
}

/** API functions scale out to this many execution environments; event source functions run one batch at a time. */
export const API_FUNCTION_CONCURRENCY = 4;

export function createLambdaFunctions(options: CreateFunctionsOptions): LocalFunction[] {
  const { stack, provisioned, log } = options;
  const functions: LocalFunction[] = [];
  for (const [logicalId, resource] of resourcesOfType(stack.template, 'AWS::Lambda::Function')) {
    if (!conditionHolds(resource.Condition, provisioned.scope)) continue;
    const properties = resource.Properties ?? {};
    const functionName = String(provisioned.scope.ref(logicalId));
    const functionArn = String(provisioned.scope.getAtt(logicalId, 'Arn'));
    const override = options.codeOverrides?.find((candidate) => logicalId.startsWith(candidate.logicalIdPrefix));
    const code = override === undefined ? functionCode(stack, logicalId, resource) : { modulePath: override.modulePath, exportName: override.exportName ?? 'handler' };
    if (override !== undefined) log.warn(`${logicalId} runs ${override.modulePath} instead of its bundle (a test seam)`);
    const variables = (provisioned.resolve((properties.Environment as { Variables?: unknown } | undefined)?.Variables ?? {}) ?? {}) as Record<
      string,
      unknown
    >;
    const environment = Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, String(value)]));
    const reserved = properties.ReservedConcurrentExecutions === undefined ? Infinity : Number(properties.ReservedConcurrentExecutions);
    const wanted = options.apiFunctionArns.has(functionArn) ? API_FUNCTION_CONCURRENCY : 1;
    functions.push({
      logicalId,
      lambda: new LambdaFunction({
        functionName,
        functionArn,
        modulePath: code.modulePath,
        exportName: code.exportName,
        timeoutSeconds: Number(properties.Timeout ?? 3),
        memorySizeMb: Number(properties.MemorySize ?? 128),
        environment,
        runtimeEnvironment: options.runtimeEnvironment,
        maxConcurrency: Math.max(1, Math.min(wanted, reserved)),
        log,
      }),
    });
    if (typeof properties.Runtime === 'string' && !properties.Runtime.startsWith('nodejs')) {
      log.warn(`${logicalId} uses ${properties.Runtime}; the local runtime runs Node.js handlers only`);
    }
  }
  return functions;
}

/** Finds a function by name, ARN or partial ARN (`FunctionName` of an event source mapping accepts all three). */
export function findFunction(functions: readonly LocalFunction[], nameOrArn: string): LocalFunction | undefined {
  const name = nameOrArn.includes(':function:') ? nameOrArn.split(':function:')[1]!.split(':')[0]! : nameOrArn;
  return functions.find((candidate) => candidate.lambda.functionName === name || candidate.lambda.functionArn === nameOrArn);
}
