import path from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { LambdaFunction } from '../../../local/lambda-runtime';
import { silentLog } from '../../../local/log';
import { FIXTURES } from './support';

const probe = (functionName: string, options: { greeting: string; timeoutSeconds?: number; maxConcurrency?: number }) =>
  new LambdaFunction({
    functionName,
    functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    modulePath: path.join(FIXTURES, 'runtime-probe.cjs'),
    timeoutSeconds: options.timeoutSeconds ?? 5,
    memorySizeMb: 256,
    environment: { GREETING: options.greeting },
    runtimeEnvironment: { AWS_REGION: 'us-east-1' },
    maxConcurrency: options.maxConcurrency ?? 1,
    log: silentLog,
  });

const hello = probe('hello-fn', { greeting: 'hello' });
const bonjour = probe('bonjour-fn', { greeting: 'bonjour', timeoutSeconds: 1, maxConcurrency: 3 });
afterAll(() => Promise.all([hello.stop(), bonjour.stop()]), 120_000);

describe('the in-process Lambda runtime', () => {
  it('gives each function its own environment and a Lambda context', async () => {
    const [first, second] = await Promise.all([hello.invoke({}), bonjour.invoke({})]);
    expect(first).toMatchObject({
      ok: true,
      payload: {
        env: { GREETING: 'hello', AWS_LAMBDA_FUNCTION_NAME: 'hello-fn', AWS_REGION: 'us-east-1' },
        context: {
          functionName: 'hello-fn',
          invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:hello-fn',
          memoryLimitInMB: '256',
        },
      },
    });
    expect(second).toMatchObject({ ok: true, payload: { env: { GREETING: 'bonjour', AWS_LAMBDA_FUNCTION_NAME: 'bonjour-fn' } } });
    if (!first.ok) throw new Error('unreachable');
    const context = (first.payload as { context: { awsRequestId: string; remaining: number } }).context;
    expect(context.awsRequestId).toBe(first.requestId);
    expect(context.remaining).toBeGreaterThan(4_000);
    expect(context.remaining).toBeLessThanOrEqual(5_000);
  });

  it('reports a thrown error as a failed invocation', async () => {
    const result = await hello.invoke({ throw: 'out of range' });
    expect(result).toMatchObject({ ok: false, timedOut: false, error: { errorType: 'RangeError', errorMessage: 'out of range' } });
  });

  it('ends an invocation that runs past the timeout as an error, and the next one runs in a fresh environment', async () => {
    const timedOut = await bonjour.invoke({ sleepMs: 3_000 });
    expect(timedOut).toMatchObject({ ok: false, timedOut: true, error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' } });
    expect(timedOut.durationMs).toBeLessThan(2_500);
    expect(await bonjour.invoke({})).toMatchObject({ ok: true });
  });

  it('runs up to maxConcurrency invocations at once', async () => {
    await Promise.all([1, 2, 3].map(() => bonjour.invoke({ sleepMs: 300 }))); // three warm environments
    const started = Date.now();
    const results = await Promise.all([1, 2, 3].map(() => bonjour.invoke({ sleepMs: 500 })));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_400); // one after the other would take 1.5 s
  });
});
