import type { ValidationArguments, ValidationOptions } from 'class-validator';

/** Renders a received option value for an error line, short and without secrets' contents. */
export function describeValue(value: unknown, property: string): string {
  if (property.startsWith('secrets') && typeof value === 'string') return `a string of ${value.length} characters`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object' && value !== null) return `an object (${value.constructor?.name ?? 'no prototype'})`;
  if (typeof value === 'bigint' || typeof value === 'symbol') return value.toString();
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

/**
 * Validation options whose message reads "option: got X, needs Y", so a bad configuration says what to fix.
 * `prefix` names the parent option of nested objects (`cookie.`).
 */
export function needs(requirement: string, extra: ValidationOptions = {}, prefix = ''): ValidationOptions {
  return {
    ...extra,
    message: (args: ValidationArguments) =>
      `${prefix}${args.property}: got ${describeValue(args.value, args.property)}, needs ${requirement}`,
  };
}
