import { decideByVersion, EarlyEventError, type EventEnvelope } from '../../../exports/runtime';
import { NotFoundError } from '../errors';
import { aggregatePartitionKey } from '../keys';
import type { TimelineEntry } from './timeline';
import type { TimelineRepository } from './timeline-repository';

/** Rounds of read-decide-write before giving up on a timeline that keeps changing underneath. */
const MAX_APPLY_ATTEMPTS = 5;

export type TimelineOutcome = 'applied' | 'duplicate';

/**
 * Adds an event to its aggregate's timeline in version order (docs/design.md#consumers): the next version is
 * appended, an older one is a duplicate (acknowledged), a later one is early and fails its record
 * with EarlyEventError so that SQS redelivers it once the gap is filled. Works for any aggregate.
 */
export async function recordInTimeline(deps: { timelines: TimelineRepository }, event: EventEnvelope): Promise<TimelineOutcome> {
  const { aggregateType, aggregateId, aggregateVersion } = event;
  const entry: TimelineEntry = { version: aggregateVersion, type: event.type, eventId: event.id };
  for (let attempt = 1; attempt <= MAX_APPLY_ATTEMPTS; attempt++) {
    const lastVersion = (await deps.timelines.find(aggregateType, aggregateId))?.lastVersion ?? 0;
    switch (decideByVersion(lastVersion, aggregateVersion)) {
      case 'duplicate':
        return 'duplicate';
      case 'early':
        throw new EarlyEventError(aggregatePartitionKey(aggregateType, aggregateId), lastVersion + 1, aggregateVersion);
      case 'apply':
        if (await deps.timelines.append(aggregateType, aggregateId, lastVersion, entry)) return 'applied';
      // Lost the conditional write to another consumer instance: read again and decide again.
    }
  }
  throw new Error(
    `timeline of ${aggregatePartitionKey(aggregateType, aggregateId)} changed under ${MAX_APPLY_ATTEMPTS} attempts to append version ${aggregateVersion}`,
  );
}

/**
 * The timeline of an aggregate in version order. An aggregate that exists but has no timeline yet
 * (the consumer has not caught up) has an empty one; 404 only when neither exists.
 */
export async function getTimeline(
  deps: { timelines: TimelineRepository },
  aggregateType: string,
  aggregateId: string,
  aggregateExists: () => Promise<boolean>,
): Promise<TimelineEntry[]> {
  const timeline = await deps.timelines.find(aggregateType, aggregateId);
  if (timeline === undefined) {
    if (await aggregateExists()) return [];
    throw new NotFoundError(`${aggregateType.toLowerCase()} ${aggregateId} does not exist`);
  }
  return [...timeline.events].sort((a, b) => a.version - b.version);
}
