import { type IdempotentEventConsumerHandler, type IdempotentEventConsumerOptions, makeIdempotentEventConsumer } from '../../../exports/runtime';
import { recordInTimeline, type TimelineOutcome } from './timeline-use-cases';
import type { TimelineRepository } from './timeline-repository';

/** Idempotency keys of this consumer: it shares the idempotency table with the payments consumer. */
export const TIMELINE_CONSUMER_KEY_PREFIX = 'timeline-consumer';

export function makeTimelineConsumer(
  deps: { timelines: TimelineRepository },
  options: IdempotentEventConsumerOptions = {},
): IdempotentEventConsumerHandler {
  return makeIdempotentEventConsumer<TimelineOutcome>(async (event) => recordInTimeline(deps, event.detail), {
    keyPrefix: TIMELINE_CONSUMER_KEY_PREFIX,
    ...options,
  });
}
