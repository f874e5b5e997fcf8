/**
 * The outbox relay Lambda (docs/design.md#relay): DynamoDB stream of the table, filtered to INSERTs of outbox
 * items → EventBridge. Generic: it knows envelopes and outbox items, nothing of any service.
 */
import { getStringFromEnv } from '../config';
import { EventBridgePublisher } from './eventbridge-publisher';
import { documentClient, eventBridgeClient, logger, metrics } from './lambda-runtime';
import { OutboxFailureMarker } from './outbox-failure-marker';
import { relayTuningFromEnv } from './relay-config';
import { makeStreamRelayHandler, type StreamRelayDeps, type StreamRelayHandler } from './stream-relay-handler';
import { outboxRelayItems, type OutboxItemRef } from './stream-records';

export type OutboxRelayDeps = StreamRelayDeps<OutboxItemRef>;

/** The relay handler with its ports injected (tests, the local runtime, a user's own wiring). */
export function makeOutboxRelayHandler(deps: OutboxRelayDeps | (() => OutboxRelayDeps)): StreamRelayHandler {
  return makeStreamRelayHandler<OutboxItemRef>((records, resolved) => outboxRelayItems(records, resolved.logger), deps);
}

/**
 * Reads `EVENT_BUS_NAME` and `OUTBOX_TABLE_NAME` (required) and the optional tuning
 * `RELAY_BACKOFF_BASE_MS`, `RELAY_BACKOFF_CAP_MS`, `RELAY_SAFETY_MARGIN_MS`, `RELAY_MAX_CONCURRENT_CALLS`,
 * `RELAY_PUT_EVENTS_MAX_BYTES`; throws
 * MissingConfigurationError naming a variable that is unset or invalid.
 */
export function outboxRelayDepsFromEnv(): OutboxRelayDeps {
  const eventBusName = getStringFromEnv('EVENT_BUS_NAME');
  const tableName = getStringFromEnv('OUTBOX_TABLE_NAME');
  const relay = relayTuningFromEnv();
  return {
    eventBusName,
    publisher: new EventBridgePublisher(eventBridgeClient),
    failureSink: new OutboxFailureMarker({ documentClient, tableName }),
    metrics,
    logger,
    relay,
  };
}

// Configuration is read on the first invocation rather than at import, so tests and the local
// runtime can import this module before they set the environment; a missing variable still fails
// the very first invocation, with its name.
export const handler: StreamRelayHandler = makeOutboxRelayHandler(outboxRelayDepsFromEnv);
