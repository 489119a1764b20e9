import { Injectable } from '@nestjs/common';
import { Observable, Subject, filter } from 'rxjs';
import { GuardedObservable } from './guarded-observable.js';
import type { SessionEvent, SessionEventType } from './session-event.interface.js';
import { SubscriberErrorLog } from './subscriber-errors.js';

/**
 * Session lifecycle events as an RxJS stream. Inject it and subscribe:
 *
 * @example
 * constructor(events: SessionEvents) {
 *   events.ofType('rejected').subscribe((e) => metrics.increment(`session.rejected.${e.reason}`));
 * }
 *
 * Events are delivered after the request's own work, on a later turn of the event loop, so a slow
 * subscriber cannot delay the request that caused them. A subscriber that throws (in its callback, or in an
 * operator of a `pipe()` on `events$`/`ofType()`) cannot fail the request or crash the process: the library
 * catches the error and logs it, once per kind of error and at most once a minute after that. Handle errors
 * inside your subscriber all the same. Detected without Redis keyspace notifications, so they work on
 * managed Redis and on clusters.
 */
@Injectable()
export class SessionEvents {
  private readonly subject = new Subject<SessionEvent>();
  private readonly pending: SessionEvent[] = [];
  private flushScheduled = false;
  private readonly subscriberErrors = new SubscriberErrorLog();

  /** Every event, as it happens. */
  readonly events$: Observable<SessionEvent> = new GuardedObservable<SessionEvent>(
    (error) => this.subscriberErrors.report(error),
    (subscriber) => this.subject.subscribe(subscriber),
  );

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
        this.subscriberErrors.report(error);
      }
    }
  }
}
