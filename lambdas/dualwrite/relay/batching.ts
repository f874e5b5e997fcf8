import { MAX_PUT_EVENTS_BYTES, MAX_PUT_EVENTS_ENTRIES } from '../envelope';

/** What one PutEvents call may carry (docs/design.md#relay). */
export interface BatchLimits {
  maxEntries: number;
  /** Total entry size of the call, counted by `entrySize` of envelope.ts; a call may reach it exactly. */
  maxBytes: number;
}

export const PUT_EVENTS_LIMITS: BatchLimits = { maxEntries: MAX_PUT_EVENTS_ENTRIES, maxBytes: MAX_PUT_EVENTS_BYTES };

/**
 * One step of the relay's plan: publish a call's entries, or set aside an item that can never be
 * published (no entry at all, or one entry larger than a whole call). `after` lists the earlier
 * steps that hold an item of the same aggregate: the step may start only once they have settled.
 */
export type PlannedStep<T> =
  | { kind: 'publish'; items: T[]; sizeBytes: number; after: number[] }
  | { kind: 'reject'; item: T; sizeBytes?: number; after: number[] };

/**
 * Cuts items into PutEvents calls that respect the limits, in as few calls as a first-fit packing
 * finds, and says which calls must wait for which so that each aggregate keeps its stream order.
 *
 * Items are taken aggregate by aggregate (aggregates in order of first appearance, each one's items
 * in stream order), and each goes into the first call that has room for it and does not come
 * before the call of the aggregate's previous item. So an aggregate's items sit in calls of
 * rising index, in stream order within a call; a call waits only for earlier calls that share an
 * aggregate with it, and calls of disjoint aggregates may be in flight together. Grouping by
 * aggregate first is what keeps those chains short: 100 records dealt round-robin over 10
 * aggregates become 10 independent calls, where cutting the stream in order would chain all 10.
 *
 * An unpublishable item becomes a `reject` step in its aggregate's chain: the aggregate's later
 * items go into calls after it.
 *
 * @param sizeOf entry size in bytes, or `undefined` for an item that has no entry (malformed)
 * @param keyOf the item's aggregate, or `undefined` when it has none (it then orders with nothing)
 */
export function planCalls<T>(
  items: readonly T[],
  sizeOf: (item: T) => number | undefined,
  keyOf: (item: T) => string | undefined,
  limits: BatchLimits = PUT_EVENTS_LIMITS,
): PlannedStep<T>[] {
  if (!Number.isInteger(limits.maxEntries) || limits.maxEntries < 1) {
    throw new RangeError(`maxEntries must be an integer ≥ 1, got ${limits.maxEntries}`);
  }
  const groups = new Map<string | number, T[]>();
  items.forEach((item, index) => {
    const key = keyOf(item) ?? index;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  });

  const steps: PlannedStep<T>[] = [];
  const keysOfStep: Array<Set<string | number>> = [];
  const lastStepOf = new Map<string | number, number>();
  // Steps before this one are full by entry count (or rejects): no item can go there any more.
  let firstOpen = 0;
  const hasRoom = (step: PlannedStep<T>, size: number) =>
    step.kind === 'publish' && step.items.length < limits.maxEntries && step.sizeBytes + size <= limits.maxBytes;

  for (const [key, group] of groups) {
    for (const item of group) {
      const size = sizeOf(item);
      if (size === undefined || size > limits.maxBytes) {
        steps.push(size === undefined ? { kind: 'reject', item, after: [] } : { kind: 'reject', item, sizeBytes: size, after: [] });
        keysOfStep.push(new Set([key]));
        lastStepOf.set(key, steps.length - 1);
        continue;
      }
      let target = Math.max(firstOpen, lastStepOf.get(key) ?? 0);
      while (target < steps.length && !hasRoom(steps[target], size)) target++;
      if (target === steps.length) {
        steps.push({ kind: 'publish', items: [], sizeBytes: 0, after: [] });
        keysOfStep.push(new Set());
      }
      const step = steps[target] as Extract<PlannedStep<T>, { kind: 'publish' }>;
      step.items.push(item);
      step.sizeBytes += size;
      keysOfStep[target].add(key);
      lastStepOf.set(key, target);
      while (firstOpen < steps.length && (steps[firstOpen].kind === 'reject' || (steps[firstOpen] as { items: T[] }).items.length >= limits.maxEntries)) {
        firstOpen++;
      }
    }
  }

  const previousStepOf = new Map<string | number, number>();
  keysOfStep.forEach((keys, index) => {
    const after = new Set<number>();
    for (const key of keys) {
      const previous = previousStepOf.get(key);
      if (previous !== undefined) after.add(previous);
      previousStepOf.set(key, index);
    }
    steps[index].after = [...after].sort((a, b) => a - b);
  });
  return steps;
}
