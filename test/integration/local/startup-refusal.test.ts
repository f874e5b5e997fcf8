/**
 * What `startLocalRuntime` (local/runtime.ts) refuses at startup, through its real wiring: a
 * template whose event source mapping holds a FilterCriteria AWS would refuse, or a resource the
 * runtime cannot emulate, rejects with a `LocalRuntimeStartError` that names the culprit, and
 * leaves nothing behind: no resource in the emulator, no Lambda worker initialised, no outputs
 * file, nothing listening on the API port (nor on the emulator's, when the runtime started one).
 *
 * The control is the same template with a valid filter: it starts, initialises its worker and
 * takes the API port, so the refusals above come from what they name and not from the template.
 *
 * The template is hand-written CloudFormation (one queue, one inline Node.js function fed by the
 * queue through a filtered mapping, one REST API with a mock method), given through the
 * `synthesize` option: no CDK synth, no bundling.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';

import { freePort } from '../../../local/emulator';
import { silentLog } from '../../../local/log';
import { LocalRuntimeStartError, startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../../local/runtime';
import type { CfnTemplate, SynthesizedStack } from '../../../local/template';
import { awsEndpoint, sqsClient, uniqueName, waitFor } from '../support/aws';

const VALID_FILTER = { body: { amount: [{ numeric: ['>', 10, '<', 100] }] } };
/** AWS refuses a numeric range whose lower bound is not below its upper bound. */
const REVERSED_RANGE_FILTER = { body: { amount: [{ numeric: ['>', 100, '<', 10] }] } };

let workDirectory: string;
const running: LocalRuntime[] = [];

beforeAll(() => {
  workDirectory = mkdtempSync(path.join(tmpdir(), 'dualwrite-refusal-'));
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((runtime) => runtime.stop()));
});

afterAll(() => {
  rmSync(workDirectory, { recursive: true, force: true });
});

interface SampleStack {
  stack: SynthesizedStack;
  queueName: string;
  functionName: string;
  /** Written by the function's module when a worker loads it (its init phase). */
  initFile: string;
}

/** One queue feeding one inline function through a mapping filtered by `filterPattern`, and a REST API. */
function sampleStack(filterPattern: unknown, extraResources: CfnTemplate['Resources'] = {}): SampleStack {
  const stackName = uniqueName('Refusal');
  const assemblyDirectory = mkdtempSync(path.join(workDirectory, 'assembly-'));
  const queueName = uniqueName('refusal-queue');
  const functionName = uniqueName('refusal-consumer');
  const initFile = path.join(assemblyDirectory, 'initialised');
  const template: CfnTemplate = {
    Resources: {
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: queueName } },
      Consumer: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: functionName,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Code: {
            ZipFile: [
              "require('node:fs').appendFileSync(process.env.INIT_FILE, 'init\\n');",
              'exports.handler = async () => ({ batchItemFailures: [] });',
            ].join('\n'),
          },
          Environment: { Variables: { INIT_FILE: initFile } },
        },
      },
      ConsumerQueueMapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: { Ref: 'Consumer' },
          EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
          FilterCriteria: { Filters: [{ Pattern: JSON.stringify(filterPattern) }] },
        },
      },
      Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'refusal-api' } },
      ApiRootGet: {
        Type: 'AWS::ApiGateway::Method',
        Properties: {
          RestApiId: { Ref: 'Api' },
          ResourceId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] },
          HttpMethod: 'GET',
          AuthorizationType: 'NONE',
          Integration: { Type: 'MOCK', IntegrationResponses: [{ StatusCode: '200', ResponseTemplates: { 'application/json': '{"ok":true}' } }] },
        },
      },
      ...extraResources,
    },
  };
  return { stack: { stackName, template, assemblyDirectory }, queueName, functionName, initFile };
}

function runtimeOptions(sample: SampleStack, port: number): LocalRuntimeOptions {
  return {
    port,
    synthesize: () => sample.stack,
    outputsFile: outputsFileOf(sample),
    ttlSweepIntervalMs: 0,
    log: silentLog,
  };
}

const outputsFileOf = (sample: SampleStack) => path.join(sample.stack.assemblyDirectory, 'outputs.json');

async function startRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const runtime = await startLocalRuntime(options);
  running.push(runtime);
  return runtime;
}

/** What `startLocalRuntime` rejected with; fails the test if it started. */
async function startupRefusal(options: LocalRuntimeOptions): Promise<Error> {
  const outcome = await startRuntime(options).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('the local runtime started; a refusal was expected');
  return outcome;
}

/** Whether this process can listen on the port of 127.0.0.1 right now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Whether something accepts TCP connections on the port of 127.0.0.1 (without binding it, unlike `portIsFree`). */
function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function queueExists(queueName: string): Promise<boolean> {
  return sqsClient()
    .send(new GetQueueUrlCommand({ QueueName: queueName }))
    .then(
      () => true,
      (error: unknown) => {
        if (error instanceof Error && /NonExistentQueue|QueueDoesNotExist/.test(error.name)) return false;
        throw error;
      },
    );
}

describe('startLocalRuntime refusing a template at startup', () => {
  it('starts the template with a valid filter: its worker initialises, its queue exists, the API port is taken until stop', async () => {
    const sample = sampleStack(VALID_FILTER);
    const port = await freePort();
    const runtime = await startRuntime({ ...runtimeOptions(sample, port), endpoint: awsEndpoint() });

    expect(runtime.apiUrl).toBe(`http://127.0.0.1:${port}/`);
    expect(existsSync(sample.initFile)).toBe(true);
    expect(await queueExists(sample.queueName)).toBe(true);
    expect(existsSync(outputsFileOf(sample))).toBe(true);
    expect(await portIsFree(port)).toBe(false);

    await runtime.stop();
    expect(await portIsFree(port)).toBe(true);
  });

  it('refuses a mapping whose filter AWS would refuse, naming the function, the mapping and the rule, and starts nothing', async () => {
    const sample = sampleStack(REVERSED_RANGE_FILTER);
    const port = await freePort();

    const refusal = await startupRefusal({ ...runtimeOptions(sample, port), endpoint: awsEndpoint() });

    expect(refusal).toBeInstanceOf(LocalRuntimeStartError);
    expect(refusal.message).toContain(`function Consumer (${sample.functionName})`);
    expect(refusal.message).toContain('event source mapping ConsumerQueueMapping');
    expect(refusal.message).toContain('Filters[0] body.amount');
    expect(refusal.message).toContain('the lower bound 100 must be below the upper bound 10');
    expect(refusal.message).toContain('offending rule {"numeric":[">",100,"<",10]}');
    expect(existsSync(sample.initFile)).toBe(false);
    expect(await queueExists(sample.queueName)).toBe(false);
    expect(existsSync(outputsFileOf(sample))).toBe(false);
    expect(await portIsFree(port)).toBe(true);
  });

  it('stops the emulator it started when it refuses the filter, leaving its port free', async () => {
    const sample = sampleStack(REVERSED_RANGE_FILTER);
    const port = await freePort();
    let emulatorPort: number;
    do emulatorPort = await freePort();
    while (emulatorPort === port);

    // The emulator boots while the app synthesizes: this synth lasts until it answers, so the
    // refusal comes with an emulator running, which the runtime must stop.
    let emulatorAnsweredDuringSynth = false;
    const refusal = await startupRefusal({
      ...runtimeOptions(sample, port),
      emulatorPort,
      synthesize: async () => {
        emulatorAnsweredDuringSynth = await waitFor(() => acceptsConnections(emulatorPort), { timeoutMs: 20_000 });
        return sample.stack;
      },
    });

    expect(emulatorAnsweredDuringSynth).toBe(true);
    expect(refusal).toBeInstanceOf(LocalRuntimeStartError);
    expect(refusal.message).toContain('event source mapping ConsumerQueueMapping');
    expect(existsSync(sample.initFile)).toBe(false);
    expect(await acceptsConnections(emulatorPort)).toBe(false);
    expect(await portIsFree(emulatorPort)).toBe(true);
    expect(await portIsFree(port)).toBe(true);
  });

  it('refuses a resource it cannot emulate, naming it, and starts nothing', async () => {
    const sample = sampleStack(VALID_FILTER, { Topic: { Type: 'AWS::SNS::Topic' } });
    const port = await freePort();

    const refusal = await startupRefusal({ ...runtimeOptions(sample, port), endpoint: awsEndpoint() });

    expect(refusal).toBeInstanceOf(LocalRuntimeStartError);
    expect(refusal.message).toContain(`The stack ${sample.stack.stackName} holds 1 resource(s) the local runtime cannot emulate`);
    expect(refusal.message).toContain('Topic (AWS::SNS::Topic): a resource type the local runtime does not emulate');
    expect(existsSync(sample.initFile)).toBe(false);
    expect(await queueExists(sample.queueName)).toBe(false);
    expect(existsSync(outputsFileOf(sample))).toBe(false);
    expect(await portIsFree(port)).toBe(true);
  });
});
