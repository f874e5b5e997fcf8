import { getStringFromEnv } from '../../../exports/runtime';
import { documentClient, idempotencyStoreOn } from '../clients';
import { outboxTtlSecondsFromEnv } from '../config';
import { logger, tracer } from '../observability';
import { DynamoDbPaymentRepository } from './dynamodb-payment-repository';
import { makePaymentsConsumer } from './payments-consumer';

/** The payments consumer Lambda: SQS (fed by the PaymentRequested rule) → payment + PaymentCaptured. */
export const handler = makePaymentsConsumer(
  {
    payments: new DynamoDbPaymentRepository(documentClient, getStringFromEnv('TABLE_NAME'), {
      outboxTtlSeconds: outboxTtlSecondsFromEnv(),
    }),
  },
  { persistenceStore: idempotencyStoreOn(getStringFromEnv('IDEMPOTENCY_TABLE_NAME')), logger, tracer },
);
