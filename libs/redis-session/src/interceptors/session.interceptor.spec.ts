import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { firstValueFrom, lastValueFrom, Observable, Subject, toArray } from 'rxjs';
import { USES_SESSION_METADATA } from '../redis-session.constants.js';
import type { SessionManager } from '../session/session-manager.js';
import { SessionInterceptor } from './session.interceptor.js';

/**
 * The interceptor's own logic, without Nest or a store: the order of loads, saves, values and cookies. The
 * HTTP behaviour (both adapters, a real Redis) is in test/*.e2e-spec.ts.
 */

/** A session context that logs what happens to it; a save resolves when the test says so. */
class RecordingSession {
  readonly log: string[] = [];
  private releases: (() => void)[] = [];
  failNextSave: Error | undefined;

  async commit(): Promise<void> {
    this.log.push('commit');
    const failure = this.failNextSave;
    this.failNextSave = undefined;
    await new Promise<void>((resolve) => this.releases.push(resolve));
    if (failure) throw failure;
  }

  writeCookie(): void {
    this.log.push('cookie');
  }

  /** Lets the oldest pending save finish. */
  release(): void {
    this.releases.shift()?.();
  }

  get pendingSaves(): number {
    return this.releases.length;
  }
}

function managerFor(session: RecordingSession): SessionManager {
  return {
    existingContextOf: () => session,
    loadContext: () => {
      session.log.push('load');
      return Promise.resolve(session);
    },
  } as unknown as SessionManager;
}

function handlerUsingSession(): () => void {
  const handler = (): void => undefined;
  Reflect.defineMetadata(USES_SESSION_METADATA, true, handler);
  return handler;
}

function executionOf(handler: () => void): ExecutionContext {
  // No transport the library knows: the interceptor's own logic only, no socket message scope.
  return { getHandler: () => handler, getType: () => 'rpc' } as unknown as ExecutionContext;
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function intercept(
  interceptor: SessionInterceptor,
  execution: ExecutionContext,
  source: Observable<unknown>,
): Promise<Observable<unknown>> {
  const next: CallHandler = { handle: () => source };
  return interceptor.intercept(execution, next);
}

describe('SessionInterceptor', () => {
  let session: RecordingSession;
  let interceptor: SessionInterceptor;

  beforeEach(() => {
    session = new RecordingSession();
    interceptor = new SessionInterceptor(new Reflector(), managerFor(session));
  });

  it('loads before the handler and holds its value back until the save is done', async () => {
    const stream = await intercept(
      interceptor,
      executionOf(handlerUsingSession()),
      new Observable((s) => {
        session.log.push('handler');
        s.next('body');
        s.complete();
      }),
    );
    const values: unknown[] = [];
    let completed = false;
    stream.subscribe({ next: (value) => values.push(value), complete: () => (completed = true) });
    await flush();
    expect(session.log).toEqual(['load', 'handler', 'commit']);
    expect(values).toEqual([]);
    expect(completed).toBe(false);
    session.release();
    await flush();
    expect(session.log).toEqual(['load', 'handler', 'commit', 'cookie']);
    expect(values).toEqual(['body']);
    expect(completed).toBe(true);
  });

  it('saves after each value of a stream, one save at a time, values in order', async () => {
    const source = new Subject<string>();
    const stream = await intercept(interceptor, executionOf(handlerUsingSession()), source);
    const collected = lastValueFrom(stream.pipe(toArray()));
    source.next('a');
    source.next('b');
    source.complete();
    await flush();
    // The second save waits for the first: concurrent saves of one session would race.
    expect(session.pendingSaves).toBe(1);
    session.release();
    await flush();
    expect(session.pendingSaves).toBe(1);
    session.release();
    expect(await collected).toEqual(['a', 'b']);
    expect(session.log.filter((entry) => entry === 'commit')).toHaveLength(2);
  });

  it('on a handler error, still writes the cookie (a login already happened) and passes the error on', async () => {
    const failure = new Error('handler failed');
    const stream = await intercept(
      interceptor,
      executionOf(handlerUsingSession()),
      new Observable((s) => s.error(failure)),
    );
    await expect(firstValueFrom(stream)).rejects.toBe(failure);
    expect(session.log).toEqual(['load', 'cookie']);
  });

  it('on a failed save, writes the cookie and reports the save’s error instead of the value', async () => {
    const failure = new Error('store down');
    session.failNextSave = failure;
    const stream = await intercept(
      interceptor,
      executionOf(handlerUsingSession()),
      new Observable((s) => {
        s.next('body');
        s.complete();
      }),
    );
    const result = firstValueFrom(stream);
    await flush();
    session.release();
    await expect(result).rejects.toBe(failure);
    expect(session.log).toEqual(['load', 'commit', 'cookie']);
  });

  it('runs once per execution when bound twice (globally and by @Session()): the second binding passes through', async () => {
    const execution = executionOf(handlerUsingSession());
    const inner = await intercept(
      interceptor,
      execution,
      new Observable((s) => {
        s.next('body');
        s.complete();
      }),
    );
    const outer = await intercept(new SessionInterceptor(new Reflector(), managerFor(session)), execution, inner);
    const result = firstValueFrom(outer);
    await flush();
    session.release();
    expect(await result).toBe('body');
    expect(session.log).toEqual(['load', 'commit', 'cookie']);
  });

  it('on a route without @Session() and no session in use, hands the handler straight through', async () => {
    const manager = { ...managerFor(session), existingContextOf: () => undefined } as unknown as SessionManager;
    const source = new Observable<string>((s) => {
      s.next('body');
      s.complete();
    });
    const stream = await new SessionInterceptor(new Reflector(), manager).intercept(
      executionOf(() => undefined),
      { handle: () => source },
    );
    expect(stream).toBe(source);
    expect(session.log).toEqual([]);
  });
});
