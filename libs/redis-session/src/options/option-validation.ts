import { validateSync, type ValidationError } from 'class-validator';

/**
 * Constraints that say what kind of value an option takes. When one fails, the range checks that also
 * failed add nothing, so each option gets one line: the first of these that failed, else the first failure.
 */
const KIND_FIRST = [
  'whitelistValidation',
  'isArray',
  'arrayMinSize',
  'isString',
  'isInt',
  'isBoolean',
  'isIn',
  'isRedisConnection',
  'isPlainObject',
];

/** Flattens class-validator errors into one "option: got X, needs Y" line per option. */
function toLines(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const lines: string[] = [];
    if (error.constraints) {
      const names = Object.keys(error.constraints);
      const chosen = KIND_FIRST.find((name) => names.includes(name)) ?? names[0]!;
      lines.push(
        chosen === 'whitelistValidation' ? `${prefix}${error.property}: unknown option` : error.constraints[chosen]!,
      );
    }
    return [...lines, ...toLines(error.children ?? [], `${prefix}${error.property}.`)];
  });
}

/**
 * Fills a schema (whose properties start at their defaults) with the raw option's defined values, and
 * validates it: one "option: got X, needs Y" line per problem, nested options named with `prefix`.
 * Properties given as `undefined` keep their default, as if left out.
 */
export function validateInto<T extends object>(schema: T, raw: object, prefix = ''): string[] {
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined) (schema as Record<string, unknown>)[key] = value;
  }
  return toLines(validateSync(schema, { whitelist: true, forbidNonWhitelisted: true }), prefix).map((line) =>
    line.startsWith(prefix) || prefix === '' ? line : `${prefix}${line}`,
  );
}
