import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { makeApiHandler } from '../../../lambdas/service/api/app';
import { NotFoundError } from '../../../lambdas/service/errors';
import { apiEvent, lambdaContext } from './support/api-events';
import { inMemoryApi } from './support/in-memory-repositories';

/** The JSON lines a Powertools Logger writes (to stdout outside dev mode). */
function captureLogLines(): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  const collect = (chunk: unknown) => {
    for (const line of String(chunk).split('\n')) {
      if (line.trim().startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(collect as typeof process.stdout.write);
  jest.spyOn(process.stderr, 'write').mockImplementation(collect as typeof process.stderr.write);
  return lines;
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('correlation id in the API logs', () => {
  it('every log line of a request carries its correlation id', async () => {
    const lines = captureLogLines();
    const logger = new Logger({ serviceName: 'Api', logLevel: 'INFO' });
    const { deps } = inMemoryApi({ logger });
    const handler = makeApiHandler(deps);

    await handler(apiEvent({ method: 'GET', resource: '/orders/{orderId}', pathParameters: { orderId: 'NOPE' }, headers: { 'x-correlation-id': 'caller-1' } }), lambdaContext());
    await handler(apiEvent({ method: 'GET', resource: '/nowhere', requestId: 'apigw-2' }));

    expect(lines.map((line) => [line.message, line.correlationId])).toEqual([
      ['request refused', 'caller-1'],
      ['request refused', 'apigw-2'],
    ]);
  });

  it('overlapping requests in one process do not take each other\'s id', async () => {
    const lines = captureLogLines();
    const logger = new Logger({ serviceName: 'Api', logLevel: 'INFO' });
    const { deps } = inMemoryApi({ logger });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handler = makeApiHandler({
      ...deps,
      orders: {
        findById: async (orderId) => {
          if (orderId === 'SLOW') await gate;
          throw new NotFoundError(`order ${orderId} does not exist`);
        },
        create: (order, event) => deps.orders.create(order, event),
        update: (order, expected, event) => deps.orders.update(order, expected, event),
      },
    });
    const get = (orderId: string, correlationId: string) =>
      handler(apiEvent({ method: 'GET', resource: '/orders/{orderId}', pathParameters: { orderId }, headers: { 'x-correlation-id': correlationId } }));

    const slow = get('SLOW', 'slow-request');
    await get('FAST', 'fast-request');
    release();
    await slow;

    expect(lines.map((line) => [line.message, line.correlationId])).toEqual([
      ['request refused', 'fast-request'],
      ['request refused', 'slow-request'],
    ]);
  });

  it('leaves no correlation id on the shared logger after a request', async () => {
    const lines = captureLogLines();
    const logger = new Logger({ serviceName: 'Api', logLevel: 'INFO' });
    const { deps } = inMemoryApi({ logger });

    await makeApiHandler(deps)(apiEvent({ method: 'GET', resource: '/nowhere', requestId: 'apigw-3' }));
    logger.info('outside any request');

    expect(lines.at(-1)).toMatchObject({ message: 'outside any request' });
    expect(lines.at(-1)).not.toHaveProperty('correlationId');
  });
});
