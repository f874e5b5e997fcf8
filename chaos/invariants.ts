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
  /** Every delivery on the bus, duplicates included, in the order the capture queue gave them. */
  delivered: readonly DeliveredEvent[];
  /**
   * The consumers' per-aggregate views, in the order their entries were applied: a committed change
   * missing from its aggregate's view is lost too, and duplicate effects and order are judged on
   * them. The naive dual write's view is built by its naive consumer (chaos/evidence.ts).
   */
  views: readonly ViewEvidence[];
  /** Effects applied twice that no view shows (e.g. a payment settled twice). */
  extraDuplicateEffects?: number;
}

/** The same definitions for every row, the naive dual write included. */
export interface PatternCounts {
  /** Distinct committed changes (`aggregate@version`). */
  committed: number;
  /** Distinct events (`detail.id`) delivered on the bus. */
  delivered: number;
  /** A committed change with no event on the bus, or missing from its consumer's view. */
  lost: number;
  /** A delivered event, or a view entry, with no committed change. */
  phantom: number;
  /** A consumer effect applied more than once (a view entry for a change already applied; a payment settled twice). */
  duplicateEffects: number;
  /** The same event delivered more than once on the bus. Expected with at-least-once delivery: reported, not a violation. */
  duplicateDeliveries: number;
  /** Views (aggregates) where some change was applied after a later version of the same aggregate. */
  orderViolations: number;
  /** A committed change published under more than one event id (a consumer deduplicating on `detail.id` would apply it twice). */
  reidentified: number;
}

const keyOf = (aggregate: string, version: number) => `${aggregate}@${version}`;

export function measurePattern(evidence: PatternEvidence): PatternCounts {
  const committedKeys = new Set(evidence.committed.map((change) => keyOf(change.aggregate, change.version)));
  const deliveredKeys = new Set(evidence.delivered.map((event) => keyOf(event.aggregate, event.version)));
  const viewKeys = new Set(evidence.views.flatMap((view) => view.entries.map((entry) => keyOf(view.aggregate, entry.version))));

  let lost = 0;
  for (const key of committedKeys) if (!deliveredKeys.has(key) || !viewKeys.has(key)) lost += 1;

  const keyOfId = new Map<string, string>();
  const idsOfKey = new Map<string, Set<string>>();
  const noteId = (id: string, key: string) => {
    keyOfId.set(id, key);
    const ids = idsOfKey.get(key) ?? new Set<string>();
    ids.add(id);
    idsOfKey.set(key, ids);
  };
  for (const event of evidence.delivered) noteId(event.id, keyOf(event.aggregate, event.version));
  const delivered = keyOfId.size;
  for (const view of evidence.views) for (const entry of view.entries) noteId(entry.eventId, keyOf(view.aggregate, entry.version));

  let phantom = 0;
  for (const key of keyOfId.values()) if (!committedKeys.has(key)) phantom += 1;
  for (const key of viewKeys) if (!committedKeys.has(key) && !deliveredKeys.has(key)) phantom += 1;

  let reidentified = 0;
  for (const ids of idsOfKey.values()) if (ids.size > 1) reidentified += 1;

  let duplicateEffects = evidence.extraDuplicateEffects ?? 0;
  let orderViolations = 0;
  for (const view of evidence.views) {
    duplicateEffects += view.entries.length - new Set(view.entries.map((entry) => entry.version)).size;
    if (appliedOutOfOrder(view.entries.map((entry) => entry.version))) orderViolations += 1;
  }

  return {
    committed: committedKeys.size,
    delivered,
    lost,
    phantom,
    duplicateEffects,
    duplicateDeliveries: evidence.delivered.length - delivered,
    orderViolations,
    reidentified,
  };
}

/**
 * Was some version applied after a later one? A gap is not disorder (the missing change is counted
 * once, as lost), nor is a repeat (a duplicate effect).
 */
export function appliedOutOfOrder(versions: readonly number[]): boolean {
  let highest = -Infinity;
  for (const version of versions) {
    if (version < highest) return true;
    highest = Math.max(highest, version);
  }
  return false;
}

/** The counts that must be zero for a pattern to keep dualwrite's promise (`duplicateDeliveries` is not one of them). */
export const VIOLATION_FIELDS = ['lost', 'phantom', 'duplicateEffects', 'orderViolations', 'reidentified'] as const;

export function violations(counts: PatternCounts): number {
  return VIOLATION_FIELDS.reduce((sum, field) => sum + counts[field], 0);
}
