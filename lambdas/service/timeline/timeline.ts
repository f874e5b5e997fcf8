/** One line of an aggregate's timeline, as GET …/timeline shows it. */
export interface TimelineEntry {
  version: number;
  type: string;
  eventId: string;
}

/** The timeline view of one aggregate, kept by the timeline consumer. */
export interface Timeline {
  lastVersion: number;
  events: TimelineEntry[];
}
