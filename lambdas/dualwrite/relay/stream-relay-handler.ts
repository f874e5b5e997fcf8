import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import {
  relayEvents,
  type EventPublisher,
  type RelayItem,
  type RelayLogger,
  type RelayMetrics,
  type RelayPorts,
  type TerminalFailureSink,
} from './relay-algorithm';

/** Everything a stream-fed relay needs: the outbox relay and the CDC handler differ only in `toItems`. */
export interface StreamRelayDeps<TRef> {
  eventBusName: string;
  publisher: EventPublisher;
  failureSink: TerminalFailureSink<TRef>;
  /** Powertools `Metrics` fits; `publishStoredMetrics` is called once per invocation. */
  metrics?: RelayMetrics & { publishStoredMetrics?: () => void };
  /** Powertools `Logger` fits; `addContext` is called once per invocation. */
  logger?: RelayLogger & { addContext?: (context: Context) => void };
  /** Tuning and test seams of the algorithm (time margin, sleep, jitter source, clock, backoff, limits, calls in flight). */
  relay?: Pick<RelayPorts<TRef>, 'safetyMarginMs' | 'sleep' | 'random' | 'now' | 'backoff' | 'limits' | 'maxConcurrentCalls'>;
}

export type StreamRelayHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

/** Used when a caller (a test, a hand-rolled runner) passes a context without a clock. */
const FALLBACK_BUDGET_MS = 60_000;

/**
 * A DynamoDB stream handler around the relay algorithm. `deps` may be a function: it is then
 * called on the first invocation and its result kept, so a module can export a ready handler whose
 * configuration is read from the environment when Lambda first runs it (and fails that invocation,
 * naming the missing variable, when it is absent).
 */
export function makeStreamRelayHandler<TRef, TDeps extends StreamRelayDeps<TRef> = StreamRelayDeps<TRef>>(
  toItems: (records: DynamoDBRecord[], deps: TDeps) => Array<RelayItem<TRef>>,
  deps: TDeps | (() => TDeps),
): StreamRelayHandler {
  let resolved: TDeps | undefined = typeof deps === 'function' ? undefined : deps;
  return async (event, context) => {
    resolved ??= (deps as () => TDeps)();
    const { logger, metrics } = resolved;
    if (context) logger?.addContext?.(context);
    const startedAt = Date.now();
    const remainingTimeMs =
      typeof context?.getRemainingTimeInMillis === 'function'
        ? () => context.getRemainingTimeInMillis()
        : () => FALLBACK_BUDGET_MS - (Date.now() - startedAt);
    try {
      const items = toItems(event.Records ?? [], resolved);
      const outcome = await relayEvents(items, {
        ...resolved.relay,
        eventBusName: resolved.eventBusName,
        publisher: resolved.publisher,
        failureSink: resolved.failureSink,
        metrics,
        logger,
        remainingTimeMs,
      });
      logger?.info('relay batch done', {
        records: event.Records?.length ?? 0,
        events: items.length,
        published: outcome.published.length,
        failed: outcome.failed.length,
        checkpoint: outcome.stopped?.itemIdentifier,
      });
      return { batchItemFailures: outcome.batchItemFailures };
    } finally {
      metrics?.publishStoredMetrics?.();
    }
  };
}
