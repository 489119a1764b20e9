import { Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { messageOf } from '../errors/error-message.js';
import { executionSessions } from '../session/execution-sessions.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import type { SessionManager } from '../session/session-manager.js';
import { isLiveAt } from '../session/session-liveness.js';
import type { MetadataLookup } from '../store/session-record.js';
import type { SessionStore } from '../store/session-store.js';

/** What a client gets before its socket is closed because its session ended. */
const SESSION_ENDED = { status: 'error', statusCode: 401, message: 'Session ended' } as const;
/** The `ws` close code: 4000-4999 are the application's; 4401 mirrors HTTP 401. */
export const SESSION_ENDED_CLOSE_CODE = 4401;

interface WatchedSocket {
  /** The session the handshake cookie names. */
  readonly publicId: string;
  /** The session was seen live on this socket: from then on, finding it gone closes the socket. */
  bound: boolean;
}

const logger = new Logger('RedisSession');

/**
 * Closes sockets whose session ended. A socket is watched when its handshake carries a valid session
 * cookie; once its session has been seen live (at connection, by the periodic check, or when a message
 * loads it), finding it gone (logout, revocation, expiry, or a login elsewhere that moved it to a new ID)
 * closes the socket. A socket whose cookie named no live session is anonymous for good (its cookie cannot
 * change) and is left alone: `AuthGuard` refuses its guarded messages.
 *
 * The check reads the sessions' metadata (one pipelined round trip for all open sockets, one command per
 * distinct session) and never refreshes an idle timer. One timer for all sockets, running only while
 * some are watched, unref'd, and stopped when the adapter is disposed.
 */
export class SocketSessionWatcher {
  private readonly watched = new Map<object, WatchedSocket>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private stopped = false;

  constructor(
    private readonly sessions: SessionManager,
    private readonly store: SessionStore,
    private readonly options: ResolvedSessionOptions,
  ) {}

  /** A socket connected with this handshake request. */
  connected(socket: object, request: IncomingMessage): void {
    executionSessions.rememberHandshake(socket, { request, sessionLoaded: (live) => this.sessionLoaded(socket, live) });
    const publicId = this.sessions.publicIdFromCookie(request);
    if (publicId === undefined || this.stopped) return;
    const state: WatchedSocket = { publicId, bound: false };
    this.watched.set(socket, state);
    if (this.options.socketCheckInterval === 0) return;
    void this.check([[socket, state]]);
    this.timer ??= setInterval(() => void this.checkAll(), this.options.socketCheckInterval).unref();
  }

  /** A socket closed. */
  disconnected(socket: object): void {
    this.watched.delete(socket);
    if (this.watched.size === 0) this.stopTimer();
  }

  /** Stops checking (the adapter is being disposed). */
  stop(): void {
    this.stopped = true;
    this.watched.clear();
    this.stopTimer();
  }

  private sessionLoaded(socket: object, live: boolean): void {
    const state = this.watched.get(socket);
    if (state === undefined) return;
    if (live) state.bound = true;
    else if (state.bound) this.end(socket, state);
  }

  private async checkAll(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await this.check([...this.watched]);
    } finally {
      this.checking = false;
    }
  }

  private async check(entries: ReadonlyArray<readonly [object, WatchedSocket]>): Promise<void> {
    const ids = [...new Set(entries.map(([, state]) => state.publicId))];
    if (ids.length === 0) return;
    let found: MetadataLookup[];
    try {
      found = await this.store.readMetadata(ids);
    } catch (error) {
      // The store is down: sockets stay open (as HTTP keeps the cookie), and the next check tries again.
      if (!this.stopped) logger.warn(`could not check the sessions of open sockets: ${messageOf(error)}`);
      return;
    }
    if (this.stopped) return;
    // Judged by the store's clock, as reads judge it: an app server whose clock is off must not close
    // sockets whose sessions its reads would accept.
    const now = this.store.now();
    const live = new Set(ids.filter((_, i) => this.isLive(found[i], now)));
    for (const [socket, state] of entries) {
      if (this.watched.get(socket) !== state) continue;
      if (live.has(state.publicId)) state.bound = true;
      else if (state.bound) this.end(socket, state);
      else this.watched.delete(socket);
    }
    if (this.watched.size === 0) this.stopTimer();
  }

  /** A session mid-rotation counts as live: its old ID still forwards for the grace period. */
  private isLive(metadata: MetadataLookup, now: number): boolean {
    return metadata === 'moving' || (metadata !== undefined && isLiveAt(metadata, now, this.options));
  }

  private end(socket: object, state: WatchedSocket): void {
    this.watched.delete(socket);
    if (this.watched.size === 0) this.stopTimer();
    logger.debug(`session ${state.publicId} ended: closing its socket`);
    closeSocket(socket);
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

interface NativeSocketLike {
  readyState: number;
  send(data: string): void;
  close(code: number, reason: string): void;
}

interface SocketIoSocketLike {
  emit(event: string, payload: unknown): unknown;
  disconnect(close: boolean): unknown;
}

/** Tells the client why, then closes: `ws` with code 4401, socket.io with `disconnect(true)`. */
function closeSocket(socket: object): void {
  const native = socket as Partial<NativeSocketLike>;
  if (typeof native.readyState === 'number' && typeof native.send === 'function') {
    const ws = socket as NativeSocketLike;
    if (ws.readyState !== 1) return;
    // The frame Nest's own exception filter sends, so clients handle both alike.
    ws.send(JSON.stringify({ event: 'exception', data: SESSION_ENDED }));
    ws.close(SESSION_ENDED_CLOSE_CODE, SESSION_ENDED.message);
    return;
  }
  const io = socket as Partial<SocketIoSocketLike>;
  if (typeof io.disconnect === 'function') {
    io.emit?.('exception', SESSION_ENDED);
    io.disconnect(true);
  }
}
