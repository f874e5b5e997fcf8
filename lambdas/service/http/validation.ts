import { ValidationError } from '../errors';

/**
 * Small, explicit checks for request bodies and path parameters. Each throws a ValidationError
 * naming the field, so a 400 tells the caller exactly what to fix.
 */

export type JsonObject = Record<string, unknown>;

/** An object with no fields other than `allowed` (a typo in a field name is an error, not ignored). */
export function expectObject(value: unknown, what: string, allowed: readonly string[]): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(`${what} must be a JSON object`);
  }
  const unknownFields = Object.keys(value).filter((field) => !allowed.includes(field));
  if (unknownFields.length > 0) {
    throw new ValidationError(`${what} has unknown field(s): ${unknownFields.join(', ')}`);
  }
  return value as JsonObject;
}

export function requireString(object: JsonObject, field: string, what: string, maxLength: number): string {
  const value = object[field];
  if (value === undefined || value === null) throw new ValidationError(`${what} is required`);
  if (typeof value !== 'string') throw new ValidationError(`${what} must be a string`);
  if (value.trim().length === 0) throw new ValidationError(`${what} must not be empty`);
  if (value.length > maxLength) throw new ValidationError(`${what} must be at most ${maxLength} characters`);
  return value;
}

export function optionalString(object: JsonObject, field: string, what: string, maxLength: number): string | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ValidationError(`${what} must be a string`);
  if (value.length > maxLength) throw new ValidationError(`${what} must be at most ${maxLength} characters`);
  return value;
}

export function requireInteger(object: JsonObject, field: string, what: string, min: number): number {
  const value = object[field];
  if (value === undefined || value === null) throw new ValidationError(`${what} is required`);
  return checkInteger(value, what, min);
}

export function optionalInteger(object: JsonObject, field: string, what: string, min: number): number | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  return checkInteger(value, what, min);
}

function checkInteger(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new ValidationError(`${what} must be an integer`);
  }
  if (value < min) throw new ValidationError(`${what} must be at least ${min}`);
  return value;
}

export function requireArray(object: JsonObject, field: string, what: string, minItems: number, maxItems: number): unknown[] {
  const value = object[field];
  if (value === undefined || value === null) throw new ValidationError(`${what} is required`);
  if (!Array.isArray(value)) throw new ValidationError(`${what} must be an array`);
  if (value.length < minItems || value.length > maxItems) {
    throw new ValidationError(`${what} must hold ${minItems} to ${maxItems} entries, got ${value.length}`);
  }
  return value;
}

/** Identifiers in paths become parts of table keys: bounded, and no `#` (the key separator). */
export function requirePathId(parameters: Readonly<Record<string, string>>, name: string): string {
  const value = parameters[name];
  if (value === undefined || value.trim().length === 0) throw new ValidationError(`path parameter ${name} is required`);
  if (value.length > 128) throw new ValidationError(`path parameter ${name} must be at most 128 characters`);
  if (value.includes('#')) throw new ValidationError(`path parameter ${name} must not contain "#"`);
  return value;
}
