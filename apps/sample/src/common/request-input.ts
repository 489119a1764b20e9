import { BadRequestException } from '@nestjs/common';

/**
 * Small checks for request bodies, shared by the JSON API and the HTML forms. A JSON body and an
 * `application/x-www-form-urlencoded` body both arrive as a plain object; form values are always
 * strings, so numbers are accepted as either. Every failure is a 400 that says what was expected.
 */

/** The body as an object of fields, or a 400 when it is missing or not an object. */
export function bodyFields(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestException('Expected a JSON object or a form body');
  }
  return body as Record<string, unknown>;
}

/** A string field of 1 to `maxLength` characters, or a 400. */
export function requireString(fields: Record<string, unknown>, name: string, maxLength: number): string {
  const value = fields[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new BadRequestException(`"${name}" must be a string of 1 to ${maxLength} characters`);
  }
  return value;
}

/** A whole number from `min` to `max`, given as a number or as decimal digits, or a 400. */
export function requireInteger(fields: Record<string, unknown>, name: string, min: number, max: number): number {
  const value = fields[name];
  const number = typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new BadRequestException(`"${name}" must be a whole number from ${min} to ${max}`);
  }
  return number;
}

/**
 * A user-supplied value shortened and quoted for an error message: enough to recognise it, never an
 * unbounded echo. Pages escape it like any other text.
 */
export function quoted(value: string, maxLength = 40): string {
  return JSON.stringify(value.length > maxLength ? `${value.slice(0, maxLength)}…` : value);
}
