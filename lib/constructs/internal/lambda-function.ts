import { type Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** CloudWatch metrics namespace shared by every dualwrite function (Powertools Metrics reads it). */
const METRICS_NAMESPACE = 'dualwrite';

/** docs/design.md#topology fixes the Lambda runtime; cdk-nag's AwsSolutions-L1 wants the newest of the family. */
const DEFAULT_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** The defaults a construct chooses for its function; the user's `functionProps` are merged over them. */
export interface FunctionDefaults {
  readonly entry: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** `POWERTOOLS_SERVICE_NAME`. */
  readonly serviceName: string;
}

export interface CreatedFunction {
  readonly function: NodejsFunction;
  readonly logGroup: logs.ILogGroup;
  /**
   * Where the function's Powertools metrics land: `POWERTOOLS_METRICS_NAMESPACE` and the `service`
   * dimension (`POWERTOOLS_SERVICE_NAME`), as finally set (a user's environment may change them).
   */
  readonly metrics: { readonly namespace: string; readonly service: string };
}

/**
 * One place for the function settings every dualwrite construct shares: Node.js 22 on ARM64,
 * bundled by local esbuild (never Docker), `@aws-sdk/*` left to the runtime, Powertools
 * environment, and an explicit log group. An explicit log group (instead of `logRetention`) keeps
 * the stack free of the custom-resource Lambda that `logRetention` adds.
 *
 * Unless the user brings a role, the function gets its own role allowed to write to its own log
 * group and nothing else (the constructs add what their wiring needs). Lambda's default role would
 * attach the AWS-managed `AWSLambdaBasicExecutionRole`, which allows writing to every log group of
 * the account (`"Resource": "*"`).
 *
 * Precedence, lowest first: these defaults, the user's `overrides`, then `requiredEnvironment`
 * (the variables the construct's own wiring depends on, e.g. the bus name it granted access to).
 */
export function createNodejsFunction(
  scope: Construct,
  id: string,
  defaults: FunctionDefaults,
  overrides: NodejsFunctionProps = {},
  requiredEnvironment: Record<string, string> = {},
): CreatedFunction {
  const logGroup =
    overrides.logGroup ??
    new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: logs.RetentionDays.ONE_MONTH,
    });
  const role =
    overrides.role ??
    new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${scope.node.path}/${id}: its own log group, plus what its construct grants`,
    });
  if (overrides.role === undefined) {
    // logs:CreateLogStream and logs:PutLogEvents on the group's ARN, which ends in `:*` and so covers its log streams.
    logs.LogGroupGrants.fromLogGroup(logGroup).write(role);
  }
  const bundling = {
    minify: true,
    sourceMap: true,
    // File and line in stack traces is what the map is for; embedding the sources would triple the zip.
    sourcesContent: false,
    target: 'node22',
    format: OutputFormat.CJS,
    externalModules: ['@aws-sdk/*'],
    forceDockerBundling: false,
    ...overrides.bundling,
  };
  const environment: Record<string, string> = {
    POWERTOOLS_SERVICE_NAME: defaults.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    // esbuild writes the source map; Node only applies it when asked.
    ...(bundling.sourceMap ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
    ...overrides.environment,
    ...requiredEnvironment,
  };
  const fn = new NodejsFunction(scope, id, {
    handler: 'handler',
    runtime: DEFAULT_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: defaults.memorySize,
    timeout: defaults.timeout,
    ...overrides,
    entry: overrides.entry ?? defaults.entry,
    logGroup,
    role,
    bundling,
    environment,
  });
  if (overrides.runtime === undefined) {
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'docs/design.md#topology fixes the runtime at Node.js 22 (NODEJS_22_X, supported by Lambda until 2027), the version the ' +
        'bundles target and the local runtime runs; pass functionProps.runtime to move to a newer one',
    });
  }
  return {
    function: fn,
    logGroup: fn.logGroup,
    metrics: { namespace: environment.POWERTOOLS_METRICS_NAMESPACE, service: environment.POWERTOOLS_SERVICE_NAME },
  };
}
