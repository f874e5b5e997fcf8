import { MAX_PUT_EVENTS_BYTES, MAX_PUT_EVENTS_ENTRIES } from '../envelope';

/** What one PutEvents call may carry (docs/design.md#relay). */
export interface BatchLimits {
  maxEntries: number;
  /** Total entry size of the call, counted by `entrySize` of envelope.ts; a call may reach it exactly. */
  maxBytes: number;
}

export const PUT_EVENTS_LIMITS: BatchLimits = { maxEntries: MAX_PUT_EVENTS_ENTRIES, maxBytes: MAX_PUT_EVENTS_BYTES };

/**
 * One step of the relay's plan, in stream order: publish a batch, or set aside an item that can
 * never be published (no entry at all, or one entry larger than a whole call).
 */
export type BatchStep<T> =
  | { kind: 'publish'; items: T[]; sizeBytes: number }
  | { kind: 'reject'; item: T; sizeBytes?: number };

/**
 * Splits items, in order, into the fewest consecutive batches that respect the limits (greedy: a
 * batch closes when the next item would break either limit). An unpublishable item becomes its own
 * `reject` step and closes the batch before it, so steps stay in stream order and a stop at any
 * step leaves everything before it settled.
 *
 * @param sizeOf entry size in bytes, or `undefined` for an item that has no entry (malformed)
 */
export function planBatches<T>(
  items: readonly T[],
  sizeOf: (item: T) => number | undefined,
  limits: BatchLimits = PUT_EVENTS_LIMITS,
): BatchStep<T>[] {
  if (!Number.isInteger(limits.maxEntries) || limits.maxEntries < 1) {
    throw new RangeError(`maxEntries must be an integer ≥ 1, got ${limits.maxEntries}`);
  }
  const steps: BatchStep<T>[] = [];
  let current: T[] = [];
  let currentBytes = 0;
  const close = () => {
    if (current.length > 0) steps.push({ kind: 'publish', items: current, sizeBytes: currentBytes });
    current = [];
    currentBytes = 0;
  };
  for (const item of items) {
    const size = sizeOf(item);
    if (size === undefined || size > limits.maxBytes) {
      close();
      steps.push(size === undefined ? { kind: 'reject', item } : { kind: 'reject', item, sizeBytes: size });
      continue;
    }
    if (current.length === limits.maxEntries || currentBytes + size > limits.maxBytes) close();
    current.push(item);
    currentBytes += size;
  }
  close();
  return steps;
}
