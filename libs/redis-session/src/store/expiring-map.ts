/**
 * A map whose values expire at their own `expiresAt` (ms), as Redis keys expire at their TTL: an expired
 * value is never handed out, and is dropped when it is next looked at or swept. The in-memory store keeps
 * its records, tombstones and user indexes in these.
 */
export class ExpiringMap<V extends { expiresAt: number }> {
  private readonly values = new Map<string, V>();

  /** The value, unless it has expired by `now` (then it is dropped). */
  get(key: string, now: number): V | undefined {
    const value = this.values.get(key);
    if (value !== undefined && now >= value.expiresAt) {
      this.values.delete(key);
      return undefined;
    }
    return value;
  }

  set(key: string, value: V): void {
    this.values.set(key, value);
  }

  delete(key: string): void {
    this.values.delete(key);
  }

  /** Drops every value that has expired by `now`; resolves how many are left. */
  sweep(now: number): number {
    for (const [key, value] of this.values) if (now >= value.expiresAt) this.values.delete(key);
    return this.values.size;
  }
}
