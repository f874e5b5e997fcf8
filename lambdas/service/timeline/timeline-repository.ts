import type { Timeline, TimelineEntry } from './timeline';

/** Storage port of the timeline view; `dynamodb-timeline-repository.ts` is the adapter. */
export interface TimelineRepository {
  find(aggregateType: string, aggregateId: string): Promise<Timeline | undefined>;
  /**
   * Appends `entry` and sets `lastVersion` to its version, only while the stored `lastVersion` is
   * still `previousVersion` (0: no timeline yet).
   * @returns false when another writer moved the timeline first (nothing was written)
   */
  append(aggregateType: string, aggregateId: string, previousVersion: number, entry: TimelineEntry): Promise<boolean>;
}
