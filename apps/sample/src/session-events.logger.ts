import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  REDIS_SESSION_OPTIONS,
  SessionEvents,
  type ResolvedSessionOptions,
  type SessionEvent,
} from 'nest-redis-session';
import type { Subscription } from 'rxjs';

/**
 * Logs the library's session lifecycle events (`SessionEvents`), to show what they carry. A user signed
 * out by the session limit is logged at `log` level, because it is what a user would ask support about;
 * everything else at `debug` (`verbose` for the frequent `created`). Hide those with
 * `NEST_LOG_LEVEL='>=log'`.
 *
 * Events name a session by its `publicId`, a one-way hash of its ID: safe to log, useless for signing in.
 * They never carry the raw ID, and nothing here could print one.
 */
@Injectable()
export class SessionEventsLogger implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('SessionEvents');
  private subscription: Subscription | undefined;

  constructor(
    private readonly events: SessionEvents,
    @Inject(REDIS_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
  ) {}

  onModuleInit(): void {
    // Delivered after the request that caused them, so logging never slows a response. A subscriber must
    // not throw (RxJS would report it as unhandled), so `describe` only formats.
    this.subscription = this.events.events$.subscribe((event) => this.write(event));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  private write(event: SessionEvent): void {
    const message = this.describe(event);
    if (event.type === 'evicted') this.logger.log(message);
    else if (event.type === 'created') this.logger.verbose(message);
    else this.logger.debug(message);
  }

  /** One line per event: what happened, to which session, for which user. */
  describe(event: SessionEvent): string {
    const session = `session ${event.publicId ?? '(unnamed: cookie unreadable)'}`;
    const user = event.userId === undefined ? '' : ` of user ${JSON.stringify(event.userId)}`;
    if (event.type === 'evicted') {
      return (
        `signed out ${session}${user}: the user signed in on one more device than the ` +
        `${this.options.maxSessionsPerUser} allowed (maxSessionsPerUser), so the oldest session ended`
      );
    }
    const reason = event.reason === undefined ? '' : ` (${event.reason})`;
    const previous = event.previousPublicId === undefined ? '' : `, was ${event.previousPublicId}`;
    return `${event.type}${reason}: ${session}${user}${previous}`;
  }
}
