import { Observable, Subscriber, type Observer, type Operator, type Subscription, type TeardownLogic } from 'rxjs';

/**
 * An `Observable` whose subscribers cannot hurt the process. RxJS rethrows an error that a subscriber's
 * callback throws, or an error notification nobody handles (a throwing `map` in a `pipe()`), on a timer,
 * where it becomes an uncaught exception; an `async` callback's rejection is an unhandled rejection. Here
 * all of them go to `report` instead. Streams derived with `pipe()`
 * stay guarded (`lift` makes them of this class). Errors in streams combined with others (`merge`, ...)
 * are the app's to handle.
 */
export class GuardedObservable<T> extends Observable<T> {
  constructor(
    private readonly report: (error: unknown) => void,
    subscribe?: (this: Observable<T>, subscriber: Subscriber<T>) => TeardownLogic,
  ) {
    super(subscribe);
  }

  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const lifted = new GuardedObservable<R>(this.report);
    // RxJS 7's operators build their result this way (`Observable.prototype.lift`); only the class differs.
    lifted.source = this;
    lifted.operator = operator;
    return lifted;
  }

  override subscribe(observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null): Subscription {
    // An operator's own subscriber is passed through untouched: RxJS chains its teardown to it.
    if (observerOrNext instanceof Subscriber) return super.subscribe(observerOrNext);
    const observer: Partial<Observer<T>> =
      typeof observerOrNext === 'function' ? { next: observerOrNext } : (observerOrNext ?? {});
    const guarded =
      <A extends unknown[]>(callback: ((...args: A) => unknown) | undefined) =>
      (...args: A) =>
        this.guard(() => callback?.(...args));
    return super.subscribe({
      next: guarded(observer.next?.bind(observer)),
      error: observer.error === undefined ? this.report : guarded(observer.error.bind(observer)),
      complete: guarded(observer.complete?.bind(observer)),
    });
  }

  /**
   * Runs a subscriber's callback. What it throws, and what the promise of an `async` callback rejects
   * with (an unhandled rejection would end the process just the same), goes to `report`.
   */
  private guard(callback: () => unknown): void {
    try {
      const result = callback();
      if (result instanceof Promise) result.catch(this.report);
    } catch (error) {
      this.report(error);
    }
  }
}
