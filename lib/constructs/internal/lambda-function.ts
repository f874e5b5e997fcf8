import type { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** CloudWatch metrics namespace shared by every dualwrite function (Powertools Metrics reads it). */
export const METRICS_NAMESPACE = 'dualwrite';

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
}

/**
 * One place for the function settings every dualwrite construct shares: Node.js 22 on ARM64,
 * bundled by local esbuild (never Docker), `@aws-sdk/*` left to the runtime, Powertools
 * environment, and an explicit log group. An explicit log group (instead of `logRetention`) keeps
 * the stack free of the custom-resource Lambda that `logRetention` adds.
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
  const fn = new NodejsFunction(scope, id, {
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: defaults.memorySize,
    timeout: defaults.timeout,
    ...overrides,
    entry: overrides.entry ?? defaults.entry,
    logGroup,
    bundling,
    environment: {
      POWERTOOLS_SERVICE_NAME: defaults.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      // esbuild writes the source map; Node only applies it when asked.
      ...(bundling.sourceMap ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
      ...overrides.environment,
      ...requiredEnvironment,
    },
  });
  return { function: fn, logGroup: fn.logGroup };
}
