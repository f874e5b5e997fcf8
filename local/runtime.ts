/**
 * The local runtime of docs/design.md#local-runtime, as a function: `npm start` (local/start.ts) and the end-to-end
 * tests call `startLocalRuntime()`. Everything it runs comes from the synthesized template.
 *
 *   emulator ─ synth ─ resources in the emulator ─ Lambda workers ─ API on 127.0.0.1 ─ inspector (if asked) ─ pollers ─ TTL sweeper ─ outputs file
 *
 * `stop()` undoes it in reverse: API, pollers and TTL sweeper first, then the workers, then the emulator.
 */
import { createServer } from 'node:net';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DescribeEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_AWS_REGION, localAwsEnvironment, startEmulator, type RunningEmulator } from './emulator';
import { PortInUseError, startApiGateway, type RunningApiGateway } from './api-gateway';
import { buildRouteTables } from './api-routes';
import { createEventSources, InvalidEventFilterError, refuseInvalidFilterCriteria, type EventSource } from './event-source-mappings';
import { createLambdaFunctions, type LocalFunction } from './functions';
import type { PseudoParameters } from './intrinsics';
import { consoleLog, errorMessage, type RuntimeLog } from './log';
import { resolveOutputs, writeOutputsFile, type LocalApiEndpoint } from './outputs';
import { provisionResources, type AwsClients } from './resources';
import { notEmulatedMessage, resourcesNotEmulated } from './emulation-check';
import { PROJECT_ROOT, type SynthesizedStack } from './template';
import { TtlDeletions } from './ttl-deletions';
import type { LocalFaults } from './faults';
import { inspectorPortChoice, startInspector, type RunningInspector } from './inspector/inspector';
import { TtlSweeper, ttlSweepIntervalFromEnv, ttlTablesOf, type TtlSweepResult } from './ttl-sweeper';

export interface LocalRuntimeOptions {
  /** API port. @default PORT, else 3000; 0 picks a free one */
  port?: number;
  /** Port for the emulator this runtime starts. @default EMULATOR_PORT, else 4566; 0 picks a free one */
  emulatorPort?: number;
  /** An emulator that is already running: nothing is started. @default AWS_ENDPOINT_URL */
  endpoint?: string;
  /** @default OUTPUTS_FILE, else `.local/outputs.json` (relative paths: to `projectRoot`) */
  outputsFile?: string;
  /**
   * The app's folder: relative `outputsFile` and `outdir` paths are resolved against it.
   * @default this repository (the sample service); `npx dualwrite-local` passes the installing app's folder
   */
  projectRoot?: string;
  /**
   * Synthesizes the app into `outdir` (absolute) with asset metadata on, so that each function
   * names its bundle. @default the sample service, in this process (local/synth.ts)
   */
  synthesize?: (outdir: string, stackName: string | undefined) => SynthesizedStack | Promise<SynthesizedStack>;
  /** @default the app's default stack name */
  stackName?: string;
  /** Cloud assembly directory. @default LOCAL_CDK_OUT, else `.local/cdk.out` (relative paths: to `projectRoot`) */
  outdir?: string;
  /**
   * Milliseconds between two sweeps of the TTL emulation (moto ignores TTL); 0: none, only
   * `sweepExpiredItems()`. @default LOCAL_TTL_SWEEP_INTERVAL_MS, else 60 000
   */
  ttlSweepIntervalMs?: number;
  /** Fault injection for chaos runs (local/faults.ts, `npm run chaos`). @default none: no faults */
  faults?: LocalFaults;
  /**
   * Serve the inspector page (local/inspector/) on 127.0.0.1. `port` @default INSPECTOR_PORT, else
   * the API port + 1 (a free port if that one is taken; 0 with an API on port 0).
   * @default none: no inspector (`npm start` turns it on)
   */
  inspector?: { port?: number };
  log?: RuntimeLog;
}

export interface LocalRuntime {
  /** `http://127.0.0.1:3000/` */
  apiUrl: string;
  /** The emulator's endpoint, e.g. `http://127.0.0.1:4566`. */
  endpoint: string;
  /** The inspector page, `http://127.0.0.1:3001/`, when `inspector` was asked for. */
  inspectorUrl?: string;
  stackName: string;
  /** What was written to the outputs file for the stack (`ApiUrl`, `TableName`, … `AwsEndpointUrl`, `Region`). */
  outputs: Record<string, string>;
  /** Absolute path of the outputs file. */
  outputsFile: string;
  /**
   * Deletes, now, the expired items of every table whose template enables TTL, as DynamoDB's TTL
   * would (the emulator ignores TTL; the runtime also sweeps every `ttlSweepIntervalMs`). Resolves
   * when a sweep that started after the call has finished.
   */
  sweepExpiredItems(): Promise<TtlSweepResult>;
  /** Stops everything this runtime started. Idempotent. */
  stop(): Promise<void>;
}

/** A startup failure with a message meant for a person (one paragraph: what failed, what to do). */
export class LocalRuntimeStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalRuntimeStartError';
  }
}

const STOP_GRACE_MS = 3_000;

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const log = options.log ?? consoleLog({ debug: process.env.LOCAL_DEBUG === '1' || process.env.LOCAL_DEBUG === 'true' });
  const port = options.port ?? portFromEnv('PORT', 3000);
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const outputsFile = path.resolve(projectRoot, options.outputsFile ?? process.env.OUTPUTS_FILE ?? path.join('.local', 'outputs.json'));
  const externalEndpoint = options.endpoint ?? nonEmpty(process.env.AWS_ENDPOINT_URL);

  let emulator: RunningEmulator | undefined;
  let api: RunningApiGateway | undefined;
  let functions: LocalFunction[] = [];
  let eventSources: EventSource[] = [];
  let ttlSweeper: TtlSweeper | undefined;
  let inspector: RunningInspector | undefined;
  const clients: Array<{ destroy(): void }> = [];

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const sourcesStopped = Promise.all(eventSources.map((source) => source.stop()));
      await Promise.all([api?.stop(), inspector?.stop(), ttlSweeper?.stop(), Promise.race([sourcesStopped, delay(STOP_GRACE_MS)])]);
      // Terminating the workers ends any invocation still in flight, which lets its poller finish.
      await Promise.all(functions.map((fn) => fn.lambda.stop()));
      await sourcesStopped;
      for (const client of clients) client.destroy();
      await emulator?.stop();
    })());

  try {
    const ttlSweepIntervalMs = options.ttlSweepIntervalMs ?? ttlSweepIntervalFromEnvOrFail();
    await ensurePortFree(port, 'the local API (set PORT to use another port)');
    const emulatorPort = options.emulatorPort ?? portFromEnv('EMULATOR_PORT', 4566);
    if (externalEndpoint === undefined) {
      await ensurePortFree(emulatorPort, 'the emulator').catch((error: unknown) => {
        throw error instanceof PortInUseError
          ? new LocalRuntimeStartError(
              `Port ${emulatorPort} on 127.0.0.1 is already in use, so the AWS emulator cannot listen there. ` +
                'Stop whatever uses it (another `npm start`, LocalStack?), choose another port with EMULATOR_PORT=<port>, ' +
                'or point AWS_ENDPOINT_URL at the emulator that is running to use it instead.',
            )
          : error;
      });
    }

    // The emulator boots in a child process while this process synthesizes.
    const emulatorStarting = externalEndpoint === undefined
      ? startEmulator({ port: emulatorPort })
      : undefined;
    emulatorStarting?.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    let stack: SynthesizedStack;
    try {
      log.info('synthesizing the CDK app (bundling the functions with esbuild)…');
      const outdir = path.resolve(projectRoot, options.outdir ?? nonEmpty(process.env.LOCAL_CDK_OUT) ?? path.join('.local', 'cdk.out'));
      stack = await (options.synthesize ?? synthesizeSample)(outdir, options.stackName);
    } catch (error) {
      emulator = await emulatorStarting?.catch(() => undefined);
      throw new LocalRuntimeStartError(`Synthesizing the CDK app failed: ${errorMessage(error)}. Run \`npx cdk synth\` to see the full error.`, {
        cause: error,
      });
    }
    // What AWS or this runtime would refuse in the template stops the start before anything is created;
    // the emulator booting meanwhile is kept so that stop() ends it (the catch below turns the
    // refusal into a LocalRuntimeStartError).
    try {
      const notEmulated = resourcesNotEmulated(stack.template);
      if (notEmulated.length > 0) throw new LocalRuntimeStartError(notEmulatedMessage(stack.stackName, notEmulated));
      refuseInvalidFilterCriteria(stack.template);
    } catch (error) {
      emulator = await emulatorStarting?.catch(() => undefined);
      throw error;
    }
    try {
      emulator = await emulatorStarting;
    } catch (error) {
      const reason = errorMessage(error).trim();
      throw new LocalRuntimeStartError(
        `The AWS emulator (moto) did not start: ${reason}` +
          (reason.includes('AWS_ENDPOINT_URL') ? '' : ' (Or set AWS_ENDPOINT_URL to an emulator you run yourself; then none is started.)'),
        { cause: error },
      );
    }
    const endpoint = externalEndpoint ?? emulator!.endpoint;
    log.info(externalEndpoint ? `using the AWS endpoint ${endpoint} (AWS_ENDPOINT_URL); no emulator started` : `emulator ready on ${endpoint}`);

    const clientConfig = {
      endpoint,
      region: LOCAL_AWS_REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    };
    const aws: AwsClients = {
      dynamodb: new DynamoDBClient(clientConfig),
      sqs: new SQSClient(clientConfig),
      eventbridge: new EventBridgeClient(clientConfig),
    };
    const streams = new DynamoDBStreamsClient(clientConfig);
    clients.push(aws.dynamodb, aws.sqs, aws.eventbridge, streams);

    const accountId = await emulatorAccountId(aws.eventbridge, endpoint);
    const pseudo: PseudoParameters = {
      region: LOCAL_AWS_REGION,
      accountId,
      partition: 'aws',
      urlSuffix: 'amazonaws.com',
      stackName: stack.stackName,
      stackId: `arn:aws:cloudformation:${LOCAL_AWS_REGION}:${accountId}:stack/${stack.stackName}/local`,
    };
    const provisioned = await provisionResources({ template: stack.template, pseudo, clients: aws, log });

    const routeTables = buildRouteTables(stack.template, provisioned.resolve);
    if (routeTables.length > 1) log.warn(`the template has ${routeTables.length} REST APIs; only ${routeTables[0]!.apiLogicalId} is served locally`);
    const routes = routeTables[0];
    const apiFunctionArns = new Set(
      routes?.resources.flatMap((resource) =>
        [...resource.methods.values()].flatMap((method) => (method.integration.type === 'lambda-proxy' ? [method.integration.functionArn] : [])),
      ) ?? [],
    );

    functions = createLambdaFunctions({
      stack,
      provisioned,
      runtimeEnvironment: { ...localAwsEnvironment(options.faults?.awsEndpoint ?? endpoint), ...inheritedEnvironment() },
      apiFunctionArns,
      ...(options.faults?.functionCode !== undefined ? { codeOverrides: options.faults.functionCode } : {}),
      log,
    });
    log.info(`starting ${functions.length} Lambda function(s): ${functions.map((fn) => fn.lambda.functionName).join(', ')}`);
    await Promise.all(
      functions.map((fn) =>
        fn.lambda.warm().catch((error: unknown) => log.warn(`${errorMessage(error)} (it is retried on each invocation)`)),
      ),
    );

    const apis: LocalApiEndpoint[] = [];
    if (routes !== undefined) {
      api = await startApiGateway({
        routes,
        port,
        accountId: pseudo.accountId,
        log,
        functionForArn: (functionArn) => {
          const qualifierless = functionArn.split(':').slice(0, 7).join(':');
          return functions.find((fn) => fn.lambda.functionArn === qualifierless)?.lambda;
        },
      });
      apis.push({ routes, url: api.url });
    }

    if (options.inspector !== undefined) {
      inspector = await startInspector({
        ...inspectorPortChoice(options.inspector.port, process.env.INSPECTOR_PORT, port),
        template: stack.template,
        provisioned,
        dynamodb: aws.dynamodb,
        sqs: aws.sqs,
        outputsFile,
        stackName: stack.stackName,
        log,
      });
    }

    const ttlDeletions = new TtlDeletions();
    eventSources = await createEventSources({
      template: stack.template,
      provisioned,
      functions,
      streams,
      sqs: aws.sqs,
      log,
      ttlDeletions,
      ...(options.faults?.eventSources !== undefined ? { faults: options.faults.eventSources } : {}),
      ...(inspector !== undefined ? { observe: inspector.observe } : {}),
    });
    for (const source of eventSources) source.start();
    log.info(`polling ${eventSources.length} event source mapping(s)`);

    const sweeper = new TtlSweeper({
      tables: ttlTablesOf(stack.template, provisioned),
      dynamodb: aws.dynamodb,
      deletions: ttlDeletions,
      log,
      intervalMs: ttlSweepIntervalMs,
    });
    ttlSweeper = sweeper;
    sweeper.start();
    if (sweeper.tables.length > 0) {
      const every = ttlSweepIntervalMs > 0 ? `every ${ttlSweepIntervalMs / 1000} s` : 'only on request (LOCAL_TTL_SWEEP_INTERVAL_MS=0)';
      log.info(`emulating TTL expiry ${every} for ${sweeper.tables.map((table) => `${table.tableName} (${table.ttlAttribute})`).join(', ')}`);
    }

    const outputs = {
      ...resolveOutputs(stack.template, provisioned, apis, log),
      AwsEndpointUrl: endpoint,
      Region: LOCAL_AWS_REGION,
      ...(inspector !== undefined ? { InspectorUrl: inspector.url } : {}),
    };
    await writeOutputsFile(outputsFile, stack.stackName, outputs);

    return {
      apiUrl: api?.url ?? '',
      endpoint,
      ...(inspector !== undefined ? { inspectorUrl: inspector.url } : {}),
      stackName: stack.stackName,
      outputs,
      outputsFile,
      sweepExpiredItems: () => sweeper.sweep(),
      stop,
    };
  } catch (error) {
    await stop().catch((stopError: unknown) => log.error(`while cleaning up: ${errorMessage(stopError)}`));
    if (error instanceof LocalRuntimeStartError) throw error;
    if (error instanceof InvalidEventFilterError) throw new LocalRuntimeStartError(error.message, { cause: error });
    if (error instanceof PortInUseError) {
      throw new LocalRuntimeStartError(
        `Port ${error.port} on 127.0.0.1 is already in use, so the local API cannot listen there. ` +
          'Stop whatever uses it (another `npm start`?) or choose another port with PORT=<port>.',
        { cause: error },
      );
    }
    throw new LocalRuntimeStartError(`The local runtime could not start: ${errorMessage(error)}`, { cause: error });
  }
}

/**
 * The sample service, synthesized in this process. Loaded on first use only: the installed package
 * ships the runtime without the sample, and `npx dualwrite-local` always passes its own `synthesize`.
 */
async function synthesizeSample(outdir: string, stackName: string | undefined): Promise<SynthesizedStack> {
  // A computed specifier, so that the package build does not follow it into the sample.
  const { synthesizeStack } = (await import(path.join(__dirname, 'synth'))) as {
    synthesizeStack(options: { outdir: string; stackName?: string; context?: Record<string, unknown> }): SynthesizedStack;
  };
  return synthesizeStack({
    outdir,
    ...(stackName !== undefined ? { stackName } : {}),
    context: { 'aws:cdk:enable-asset-metadata': true },
  });
}

/** Fails fast, before the slow steps, if the API port is taken (it is bound for real only at the end). */
async function ensurePortFree(port: number, what: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, '127.0.0.1') : new Error(`cannot listen on ${port} for ${what}: ${error.message}`)),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/** The emulator's account id, from the ARN of the default bus (moto: 123456789012, LocalStack: 000000000000). */
async function emulatorAccountId(eventbridge: EventBridgeClient, endpoint: string): Promise<string> {
  try {
    const { Arn } = await eventbridge.send(new DescribeEventBusCommand({ Name: 'default' }));
    const account = Arn?.split(':')[4];
    if (account) return account;
  } catch (error) {
    throw new Error(`the AWS endpoint ${endpoint} does not answer EventBridge requests: ${errorMessage(error)}`, { cause: error });
  }
  return '123456789012';
}

/** What a function process inherits from ours: enough to run, nothing that points at real AWS. */
function inheritedEnvironment(): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) inherited[name] = value;
  }
  return inherited;
}

function ttlSweepIntervalFromEnvOrFail(): number {
  try {
    return ttlSweepIntervalFromEnv(process.env.LOCAL_TTL_SWEEP_INTERVAL_MS);
  } catch (error) {
    throw new LocalRuntimeStartError(`${errorMessage(error)}.`, { cause: error });
  }
}

function portFromEnv(name: string, fallback: number): number {
  const raw = nonEmpty(process.env[name]);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new LocalRuntimeStartError(`${name}=${raw} is not a port number (0-65535).`);
  }
  return port;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
