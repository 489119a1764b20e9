import { Logger } from '@nestjs/common';
import { messageOf } from '../errors/error-message.js';

const logger = new Logger('RedisSession');

/** The same error from a subscriber is logged at most once per this many milliseconds. */
const REPEAT_AFTER = 60_000;
/** Kinds remembered at most; a subscriber that throws ever-new messages cannot grow the map for ever. */
const MAX_KINDS = 100;

/**
 * Logs errors thrown by `SessionEvents` subscribers: each kind (error name and message) once, then at most
 * once a minute with how many were left out. A subscriber that throws on every event of a flood (a
 * `rejected` per junk cookie) costs one line a minute, not a line per request.
 */
export class SubscriberErrorLog {
  private readonly kinds = new Map<string, { loggedAt: number; suppressed: number }>();

  constructor(private readonly clock: () => number = Date.now) {}

  report(error: unknown): void {
    const kind = error instanceof Error ? `${error.name}: ${error.message}` : messageOf(error);
    const now = this.clock();
    const seen = this.kinds.get(kind);
    if (seen !== undefined && now - seen.loggedAt < REPEAT_AFTER) {
      seen.suppressed++;
      return;
    }
    if (seen === undefined && this.kinds.size >= MAX_KINDS) this.kinds.clear();
    const repeats = seen?.suppressed ? ` (and ${seen.suppressed} more time(s) since it was last logged)` : '';
    this.kinds.set(kind, { loggedAt: now, suppressed: 0 });
    logger.error(
      `a SessionEvents subscriber threw ${kind}${repeats}; the library caught it. Handle errors inside the subscriber.`,
      error instanceof Error ? error.stack : undefined,
    );
  }
}
