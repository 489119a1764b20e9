import { Injectable, Logger } from '@nestjs/common';
import { Observable, Subject, filter } from 'rxjs';
import type { SessionEvent, SessionEventType } from './session-event.interface.js';

const logger = new Logger('RedisSession');

/**
 * Session lifecycle events as an RxJS stream. Inject it and subscribe:
 *
 * @example
 * constructor(events: SessionEvents) {
 *   events.ofType('rejected').subscribe((e) => metrics.increment(`session.rejected.${e.reason}`));
 * }
 *
 * Events are delivered after the request's own work, on a later turn of the event loop, so a slow or
 * throwing subscriber cannot delay or fail the request that caused them. (An error a subscriber throws
 * is reported by RxJS as unhandled; handle errors inside the subscriber.) Detected without Redis keyspace
 * notifications, so they work on managed Redis and on clusters.
 */
@Injectable()
export class SessionEvents {
  private readonly subject = new Subject<SessionEvent>();
  private readonly pending: SessionEvent[] = [];
  private flushScheduled = false;

  /** Every event, as it happens. */
  readonly events$: Observable<SessionEvent> = this.subject.asObservable();

  /** Only events of the given types. */
  ofType(...types: SessionEventType[]): Observable<SessionEvent> {
    return this.events$.pipe(filter((event) => types.includes(event.type)));
  }

  /** Queues an event for delivery. Library-internal; apps subscribe. */
  emit(event: Omit<SessionEvent, 'at'>): void {
    if (!this.subject.observed) return;
    this.pending.push(Object.freeze({ ...event, at: new Date() }));
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending.splice(0);
    for (const event of batch) {
      try {
        this.subject.next(event);
      } catch (error) {
        // Only reachable with RxJS's synchronous error mode; the request is long done either way.
        logger.error(`a SessionEvents subscriber threw: ${String(error)}`);
      }
    }
  }
}
