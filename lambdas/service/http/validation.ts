import * as z from 'zod';
import { ValidationError } from '../errors';

/**
 * The one schema library of every route is zod (README, "Input validation"). Schemas live beside
 * their use cases (`*-requests.ts`); this file holds the pieces they share and the one place that
 * turns zod's issues into a ValidationError whose message names each failing field path.
 */

/** Largest id accepted in a path; ids become parts of table keys (`ORDER#<id>`). */
export const MAX_PATH_ID_LENGTH = 128;

/**
 * Ids in paths: 1 to 128 of `A-Z a-z 0-9 . _ : -`, starting with a letter or digit. This keeps out
 * the key separator `#` (`ORDER#x` would address another item), `/` and dot segments (`../x`),
 * control characters and whitespace. ULIDs, UUIDs and the sample's customer ids all fit.
 */
export const PATH_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

export const pathIdSchema = z
  .string()
  .min(1)
  .max(MAX_PATH_ID_LENGTH)
  .regex(PATH_ID_PATTERN, 'must start with a letter or digit and hold only letters, digits, ".", "_", ":" and "-"');

/** A required string of at most `maxLength` characters, not empty and not only whitespace. */
export const nonBlankString = (maxLength: number) => z.string().max(maxLength).regex(/\S/, 'must not be empty or blank');

/** An integer within `[min, max]` (both safe integers). */
export const integerBetween = (min: number, max: number) => z.int().min(min).max(max);

/** `items[0].sku`; empty for the value itself. */
function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`))
    .join('');
}

/** One line per failing field, each starting with the field's path (none for the value itself). */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const line = (path: readonly PropertyKey[], message: string) => (path.length === 0 ? message : `${pathText(path)}: ${message}`);
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => line([...issue.path, key], 'unknown field (not allowed)'))
      : [line(issue.path, issue.message)],
  );
}

/**
 * The value parsed by `schema`, or a ValidationError listing every failing field path:
 * `request body: items[0].quantity: Too small: expected int to be >=1; coupon: unknown field (not allowed)`.
 * @param subject what the value is, for messages: `request body`, `path parameter orderId`
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, subject: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = describeIssues(result.error.issues);
  throw new ValidationError(`${subject}: ${issues.join('; ')}`, issues);
}

/** A path id, validated by `pathIdSchema`. */
export function requirePathId(parameters: Readonly<Record<string, string>>, name: string): string {
  const value = parameters[name];
  if (value === undefined || value === '') throw new ValidationError(`path parameter ${name} is required`);
  return validate(pathIdSchema, value, `path parameter ${name}`);
}
