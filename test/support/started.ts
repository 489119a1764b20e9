/**
 * What a fixture's `start()` set, read by a getter: fails clearly when a test or hook uses the fixture
 * before its `beforeAll` has run (or after it failed).
 */
export function started<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not started`);
  return value;
}
