import { Injectable } from '@nestjs/common';

/**
 * A clock a test moves by hand. `RedisSessionTestingModule` makes the module judge time by it: the
 * in-memory store's idle and absolute deadlines, new sessions' times and `@RecentLogin()`.
 *
 * @example
 * clock.advance(31 * 60_000); // past the 30-minute idle timeout, without waiting
 */
@Injectable()
export class TestClock {
  private current = Date.now();

  /** The current time, ms since the epoch. */
  now(): number {
    return this.current;
  }

  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('TestClock.advance(ms): ms must be 0 or more');
    this.current += ms;
  }

  /** Sets the time (ms since the epoch, or a Date). */
  set(time: number | Date): void {
    this.current = typeof time === 'number' ? time : time.getTime();
  }
}
