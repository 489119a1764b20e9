import type { Redis } from 'ioredis';
import type { RedisClient } from './lua-script.js';

/** How often the estimate is refreshed: clocks drift slowly, and a refresh costs one `TIME`. */
const RESYNC_MS = 10_000;

/**
 * The Redis server's clock, as this process estimates it: its own clock plus the offset `TIME` showed,
 * measured at the midpoint of the round trip. Reads judge a session's deadlines by it, as the scripts that
 * write judge them by `TIME` itself, so an app server whose clock is off does not expire sessions early or
 * keep them late. The estimate is within half a round trip (well under a millisecond on a LAN); it is
 * refreshed in the background every ten seconds, never holding a request up after the first.
 */
export class ServerClock {
  private offset = 0;
  private syncedAt = Number.NEGATIVE_INFINITY;
  private syncing: Promise<void> | undefined;

  constructor(private readonly client: RedisClient) {}

  /** The server's time now, ms since the epoch. The first call waits for a measurement. */
  async now(): Promise<number> {
    return this.nowIfMeasured() ?? (await this.sync(), Date.now() + this.offset);
  }

  /**
   * The server's time now, or `undefined` before the first measurement: a read needs no promise of its own
   * once the clock is known, which is every read after startup (`warmUp` measures it).
   */
  nowIfMeasured(): number | undefined {
    const now = Date.now();
    const age = now - this.syncedAt;
    if (age > RESYNC_MS) void this.sync();
    // Never measured (startup's measurement failed): the sync just started catches up for the next caller.
    return age === Number.POSITIVE_INFINITY ? undefined : now + this.offset;
  }

  /**
   * Resolves once the clock has been measured, at once when it has been: for a write whose times the
   * process then compares with its estimate (a new cookie's `Max-Age` against the deadline the script set).
   */
  measured(): Promise<void> | undefined {
    return this.nowIfMeasured() === undefined ? this.sync() : undefined;
  }

  /** Measures the offset (once at a time). A failure keeps the last estimate: the next read retries. */
  sync(): Promise<void> {
    this.syncing ??= this.measure().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async measure(): Promise<void> {
    const before = Date.now();
    try {
      // Both client kinds answer TIME alike; `Redis` stands for either in the call.
      const [seconds, micros] = await (this.client as Redis).time();
      const after = Date.now();
      this.offset = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - (before + after) / 2;
      this.syncedAt = after;
    } catch {
      // Redis unreachable: the request's own command fails and reports it; nothing to add here.
    }
  }
}
