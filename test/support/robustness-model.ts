/** Marks a key that a client believes absent (values are `unknown`, this symbol among them). */
const ABSENT = Symbol('absent');

interface KeyState {
  /** The value the last acknowledged (2xx) write left, or ABSENT. */
  acked: unknown;
  /** Writes after it that got a 503: each may or may not have reached Redis. */
  uncertain: unknown[];
}

const same = (a: unknown, b: unknown): boolean =>
  a === ABSENT || b === ABSENT ? a === b : JSON.stringify(a) === JSON.stringify(b);

/**
 * What one client may legitimately find in its session's data. A 2xx write is certain; a 503 means
 * "outcome unknown" (a command that timed out may still run once Redis answers again, one cut off by a
 * dropped connection did not), so the value it wrote joins the candidates until the client writes that
 * key again successfully or reads it back. Anything outside the candidates is a lost update or a
 * corrupted record.
 */
export class SessionModel {
  private readonly keys = new Map<string, KeyState>();

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (state === undefined) {
      state = { acked: ABSENT, uncertain: [] };
      this.keys.set(key, state);
    }
    return state;
  }

  /** A write that got a 2xx. */
  acknowledged(key: string, value: unknown): void {
    this.keys.set(key, { acked: value, uncertain: [] });
  }

  /** A deletion that got a 2xx. */
  acknowledgedDelete(key: string): void {
    this.keys.set(key, { acked: ABSENT, uncertain: [] });
  }

  /** A write that got a 503. */
  unknown(key: string, value: unknown): void {
    this.state(key).uncertain.push(value);
  }

  /** A deletion that got a 503. */
  unknownDelete(key: string): void {
    this.state(key).uncertain.push(ABSENT);
  }

  /** Forgets everything (the session ended). */
  reset(): void {
    this.keys.clear();
  }

  /** Keys whose value is not known for sure. */
  uncertainKeys(): string[] {
    return [...this.keys].filter(([, s]) => s.uncertain.length > 0).map(([k]) => k);
  }

  /** What the client expects when nothing is uncertain. */
  expected(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, state] of this.keys) if (state.acked !== ABSENT) out[key] = state.acked;
    return out;
  }

  /**
   * Compares data read back with the candidates; returns one line per problem (empty: consistent).
   * When consistent, what was read becomes the certain state: every command sent before the read
   * has run by then (one connection, in order).
   */
  check(actual: Record<string, unknown>): string[] {
    const problems: string[] = [];
    for (const key of Object.keys(actual)) {
      if (!this.keys.has(key)) problems.push(`unexpected key ${key}=${JSON.stringify(actual[key])}`);
    }
    for (const [key, state] of this.keys) {
      const seen = Object.hasOwn(actual, key) ? actual[key] : ABSENT;
      const candidates = [state.acked, ...state.uncertain];
      if (!candidates.some((c) => same(c, seen))) {
        problems.push(
          `key ${key}: read ${seen === ABSENT ? '(absent)' : JSON.stringify(seen)}, expected one of ` +
            candidates.map((c) => (c === ABSENT ? '(absent)' : JSON.stringify(c))).join(', '),
        );
      }
    }
    if (problems.length === 0) {
      for (const [key, state] of this.keys) {
        state.acked = Object.hasOwn(actual, key) ? actual[key] : ABSENT;
        state.uncertain = [];
      }
    }
    return problems;
  }
}
