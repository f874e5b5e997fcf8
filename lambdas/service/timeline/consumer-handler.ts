import { getStringFromEnv } from '../../../exports/runtime';
import { documentClient, idempotencyStoreOn } from '../clients';
import { logger, tracer } from '../observability';
import { DynamoDbTimelineRepository } from './dynamodb-timeline-repository';
import { makeTimelineConsumer } from './timeline-consumer';

/** The timeline consumer Lambda: SQS (fed by the timeline rule) → per-aggregate timeline items. */
export const handler = makeTimelineConsumer(
  { timelines: new DynamoDbTimelineRepository(documentClient, getStringFromEnv('TABLE_NAME')) },
  { persistenceStore: idempotencyStoreOn(getStringFromEnv('IDEMPOTENCY_TABLE_NAME')), logger, tracer },
);
