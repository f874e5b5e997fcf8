/**
 * `dualwrite/runtime`: what a service's own Lambda code needs to write state and event together and
 * to consume events idempotently (docs/adopting.md). No module here builds a client or a Powertools
 * utility when it is loaded. The sample service (lambdas/service/) imports from here too.
 *
 * The change-data-capture handler factory is `dualwrite/runtime/cdc` (exports/runtime-cdc.ts): it
 * brings the relay's clients, which a function that only writes or consumes should not load.
 */
export {
  ConcurrencyConflictError,
  type EntityWrite,
  type OutboxEvent,
  type WriteWithOutboxInput,
  writeWithOutbox,
} from '../lambdas/dualwrite/transactional-outbox-writer';
export {
  assertEnvelopeFits,
  EnvelopeTooLargeError,
  type EventEnvelope,
  InvalidEnvelopeError,
  MAX_PUT_EVENTS_BYTES,
  newEnvelope,
  newEventId,
  type NewEventInput,
  parseEnvelope,
} from '../lambdas/dualwrite/envelope';
export { DEFAULT_OUTBOX_TTL_SECONDS, OUTBOX_SORT_KEY_PREFIX, outboxSortKey } from '../lambdas/dualwrite/outbox';
export {
  DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS,
  type EnvelopeEvent,
  type EnvelopeRecordHandler,
  type IdempotentEventConsumerHandler,
  type IdempotentEventConsumerOptions,
  InvalidEventMessageError,
  makeIdempotentEventConsumer,
  parseEventBridgeMessage,
} from '../lambdas/dualwrite/consumer/idempotent-event-consumer';
export { decideByVersion, EarlyEventError, type OrderingDecision } from '../lambdas/dualwrite/consumer/ordering-guard';
export { getIntegerFromEnv, getStringFromEnv, type IntegerFromEnvOptions, MissingConfigurationError } from '../lambdas/dualwrite/config';
export { isConditionalCheckFailed } from '../lambdas/dualwrite/dynamodb-errors';
export { traced } from '../lambdas/dualwrite/tracing';
/** For ids a service derives itself (ULID-shaped): the encoding the CDC's derived event ids use. */
export { crockfordBase32, leadingBytesAsInteger } from '../lambdas/dualwrite/crockford-base32';
