import { nulFree } from '../model/nul-free-text.js';

/**
 * Defensive access to JSON parsed from a runtime's metadata file (hostile input: any
 * field may be missing, of another type, or huge). Every getter returns null rather than
 * throw, and strings longer than MAX_TEXT are refused rather than carried into output; a NUL
 * in a string is read as U+FFFD (model/nul-free-text.ts).
 */

export const MAX_TEXT = 512;

export type JsonObject = Record<string, unknown>;

/** JSON.parse that returns null for anything but an object (or text that is not JSON). */
export function parseJsonObject(text: string): JsonObject | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return isObject(value) ? value : null;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** object[key] if it is an object (own property only: `__proto__` and friends are never followed). */
export function objectField(object: unknown, key: string): JsonObject | null {
  if (!isObject(object) || !Object.hasOwn(object, key)) return null;
  const value = object[key];
  return isObject(value) ? value : null;
}

/** object[key] if it is a non-empty string of at most MAX_TEXT characters. */
export function stringField(object: unknown, key: string): string | null {
  if (!isObject(object) || !Object.hasOwn(object, key)) return null;
  const value = object[key];
  return typeof value === 'string' && value !== '' && value.length <= MAX_TEXT ? nulFree(value) : null;
}

/** object[key] if it is an array. */
export function arrayField(object: unknown, key: string): unknown[] | null {
  if (!isObject(object) || !Object.hasOwn(object, key)) return null;
  const value = object[key];
  return Array.isArray(value) ? value : null;
}

/** A TCP/UDP port from a number or a decimal string ("8080"); null otherwise. */
export function portValue(value: unknown): number | null {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(number) && number >= 1 && number <= 65535 ? number : null;
}
