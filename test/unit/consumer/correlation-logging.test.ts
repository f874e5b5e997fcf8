import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { makeIdempotentEventConsumer } from '../../../lambdas/dualwrite/consumer/idempotent-event-consumer';
import { EarlyEventError } from '../../../lambdas/dualwrite/consumer/ordering-guard';
import { InMemoryPersistenceLayer } from './support/in-memory-persistence-layer';
import { envelope, lambdaContext, sqsEventOf, sqsRecordOf } from './support/sqs-events';
import { restoreEnv, stubEnv } from '../../support/env';

/** A real Powertools Logger whose JSON lines are kept instead of printed (POWERTOOLS_DEV routes them to `console`). */
function capturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  stubEnv('POWERTOOLS_DEV', 'true');
  const printed: string[] = [];
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    jest.spyOn(console, level).mockImplementation((line: unknown) => {
      printed.push(String(line));
    });
  }
  const logger = new Logger({ logLevel: 'DEBUG', serviceName: 'test-consumer' });
  return { logger, lines: () => printed.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('consumer log lines carry the record’s correlation id', () => {
  afterEach(() => {
    jest.restoreAllMocks();
    restoreEnv();
  });

  it('on every line logged while a record is handled, the record handler’s own included, and not after', async () => {
    const { logger, lines } = capturingLogger();
    const handler = makeIdempotentEventConsumer(
      async (event) => {
        logger.info('handling', { type: event.detail.type });
        if (event.detail.aggregateVersion === 3) throw new EarlyEventError('Thing#thing-1', 2, 3);
        return 'ok';
      },
      { persistenceStore: new InMemoryPersistenceLayer(), logger, keyPrefix: 'test' },
    );
    const first = envelope({ correlationId: 'corr-first', aggregateVersion: 1 });
    const early = envelope({ correlationId: 'corr-early', aggregateVersion: 3 });

    await handler(sqsEventOf(sqsRecordOf(first), sqsRecordOf(early)), lambdaContext());
    logger.info('after the batch');

    const byMessage = (message: string) => lines().filter((line) => line.message === message);
    expect(byMessage('handling').map((line) => line.correlationId)).toEqual(['corr-first', 'corr-early']);
    expect(byMessage('event processed (or already processed before)')[0]).toMatchObject({ correlationId: 'corr-first', eventId: first.id });
    expect(byMessage('event arrived early; it will be redelivered')[0]).toMatchObject({ correlationId: 'corr-early', eventId: early.id });
    expect(byMessage('after the batch')[0]).not.toHaveProperty('correlationId');
  });

  it('names the correlation id of a message it rejects, when the body has one', async () => {
    const { logger, lines } = capturingLogger();
    const handler = makeIdempotentEventConsumer(async () => 'ok', { persistenceStore: new InMemoryPersistenceLayer(), logger, keyPrefix: 'test' });
    const body = JSON.stringify({ 'detail-type': 'X', source: 's', detail: { correlationId: 'corr-broken' } });

    await handler(sqsEventOf(sqsRecordOf(body)), lambdaContext());

    expect(lines().find((line) => line.level === 'ERROR')).toMatchObject({ correlationId: 'corr-broken' });
  });
});
