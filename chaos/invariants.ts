/**
 * The four invariants of a chaos run, computed from evidence only (the table, the bus's capture
 * queue, the consumers' views), never from what the service says about itself. Pure: unit tested
 * with synthetic evidence.
 *
 * A change is named by its aggregate and version (`Order#01K…` v2): the one key every pattern can
 * give, the log-tailing one included (its event ids come from stream records, which the table does
 * not keep).
 */
export interface CommittedChange {
  /** `<aggregateType>#<aggregateId>`, e.g. `Order#01K…` */
  aggregate: string;
  version: number;
}

/** One delivery seen on the capture queue (duplicates included). */
export interface DeliveredEvent {
  /** `detail.id`: the envelope's id, fixed at write time. */
  id: string;
  aggregate: string;
  version: number;
}

/** A consumer's per-aggregate view (a timeline), as stored. */
export interface ViewEvidence {
  aggregate: string;
  entries: ReadonlyArray<{ version: number; eventId: string }>;
}

export interface PatternEvidence {
  committed: readonly CommittedChange[];
  delivered: readonly DeliveredEvent[];
  /**
   * The consumers' views, when the pattern has consumers: a committed change missing from its
   * aggregate's view is lost too, and duplicates and order are judged on the views. Undefined (the
   * naive dual write): the deliveries themselves are the effects.
   */
  views?: readonly ViewEvidence[];
  /** Effects applied twice that no view shows (e.g. a payment captured twice). */
  extraDuplicateEffects?: number;
}

export interface PatternCounts {
  committed: number;
  delivered: number;
  lost: number;
  phantom: number;
  duplicateEffects: number;
  orderViolations: number;
}

const keyOf = (aggregate: string, version: number) => `${aggregate}@${version}`;

export function measurePattern(evidence: PatternEvidence): PatternCounts {
  const committedKeys = new Set(evidence.committed.map((change) => keyOf(change.aggregate, change.version)));
  const deliveredKeys = new Set(evidence.delivered.map((event) => keyOf(event.aggregate, event.version)));
  const viewKeys = evidence.views === undefined ? undefined : new Set(evidence.views.flatMap((view) => view.entries.map((entry) => keyOf(view.aggregate, entry.version))));

  let lost = 0;
  for (const key of committedKeys) {
    if (!deliveredKeys.has(key) || (viewKeys !== undefined && !viewKeys.has(key))) lost += 1;
  }

  const distinctIds = new Map<string, string>();
  for (const event of evidence.delivered) distinctIds.set(event.id, keyOf(event.aggregate, event.version));
  let phantom = 0;
  for (const key of distinctIds.values()) if (!committedKeys.has(key)) phantom += 1;
  if (viewKeys !== undefined) for (const key of viewKeys) if (!committedKeys.has(key) && !deliveredKeys.has(key)) phantom += 1;

  let duplicateEffects = evidence.extraDuplicateEffects ?? 0;
  let orderViolations = 0;
  if (evidence.views !== undefined) {
    for (const view of evidence.views) {
      const ids = new Set(view.entries.map((entry) => entry.eventId));
      const versions = new Set(view.entries.map((entry) => entry.version));
      duplicateEffects += view.entries.length - Math.min(ids.size, versions.size);
      if (!isConsecutiveFromOne(view.entries.map((entry) => entry.version))) orderViolations += 1;
    }
  } else {
    // No consumer: every delivery is an effect, so a second delivery of one event is a duplicate,
    // and an aggregate whose delivered versions skip one was seen out of order (with a gap).
    duplicateEffects += evidence.delivered.length - distinctIds.size;
    const versionsByAggregate = new Map<string, Set<number>>();
    for (const event of evidence.delivered) {
      const versions = versionsByAggregate.get(event.aggregate) ?? new Set<number>();
      versions.add(event.version);
      versionsByAggregate.set(event.aggregate, versions);
    }
    for (const versions of versionsByAggregate.values()) {
      if (!isConsecutiveFromOne([...versions].sort((a, b) => a - b))) orderViolations += 1;
    }
  }

  return { committed: committedKeys.size, delivered: distinctIds.size, lost, phantom, duplicateEffects, orderViolations };
}

/** 1, 2, 3 … in this order, nothing skipped or repeated. */
export function isConsecutiveFromOne(versions: readonly number[]): boolean {
  return versions.every((version, index) => version === index + 1);
}

/** The counts that must be zero for a pattern to keep dualwrite's promise. */
export const VIOLATION_FIELDS = ['lost', 'phantom', 'duplicateEffects', 'orderViolations'] as const;

export function violations(counts: PatternCounts): number {
  return VIOLATION_FIELDS.reduce((sum, field) => sum + counts[field], 0);
}
