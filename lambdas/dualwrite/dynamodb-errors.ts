/**
 * A write's condition did not hold. Checked by name, not `instanceof`: the SDK's exception carries
 * this name, and so does the same error from another copy of the SDK (a bundle, a test fake).
 */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}
