import type { INestApplicationContext, WebSocketAdapter } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { REDIS_SESSION_OPTIONS } from '../redis-session.constants.js';
import { SessionManager } from '../session/session-manager.js';
import { SessionStore } from '../store/session-store.js';
import { SocketSessionWatcher } from './socket-session.watcher.js';

/**
 * Gives a WebSocket adapter's sockets their sessions: records each socket's handshake request (the `ws`
 * platform does not keep it), so `@Session()` and `AuthGuard` work in `@SubscribeMessage()` handlers, and
 * closes sockets whose session ends (see `socketCheckInterval`). Works with any adapter, including your
 * own subclasses (a Redis-backed `IoAdapter`, say): it wraps the adapter you pass and returns it.
 *
 * Over a socket the session is loaded afresh for every message, from the handshake's cookie. The cookie
 * cannot change over a socket: sign in and out over HTTP, then reconnect.
 *
 * @example
 * import { WsAdapter } from '@nestjs/platform-ws'; // or IoAdapter from '@nestjs/platform-socket.io'
 * import { withSessionSockets } from 'nest-redis-session/websockets';
 *
 * const app = await NestFactory.create(AppModule);
 * app.useWebSocketAdapter(withSessionSockets(app, new WsAdapter(app)));
 */
export function withSessionSockets<T extends WebSocketAdapter>(app: INestApplicationContext, adapter: T): T {
  let watcher: SocketSessionWatcher | undefined;
  // Resolved on the first connection: the app's providers exist by then whatever the call order.
  const watcherOf = (): SocketSessionWatcher =>
    (watcher ??= new SocketSessionWatcher(
      app.get(SessionManager),
      app.get(SessionStore),
      app.get<symbol, ResolvedSessionOptions>(REDIS_SESSION_OPTIONS),
    ));

  const bindClientConnect = adapter.bindClientConnect.bind(adapter);
  adapter.bindClientConnect = (server: unknown, callback: (...args: unknown[]) => unknown): unknown =>
    bindClientConnect(server, (socket: unknown, ...rest: unknown[]) => {
      // `ws` passes the upgrade request with the connection; socket.io keeps it on the socket.
      const request = handshakeRequestOf(rest[0]) ?? handshakeRequestOf((socket as { request?: unknown }).request);
      if (typeof socket === 'object' && socket !== null && request !== undefined) {
        const sessions = watcherOf();
        sessions.connected(socket, request);
        adapter.bindClientDisconnect?.(socket, () => sessions.disconnected(socket));
      }
      return callback(socket, ...rest);
    });

  const disposable = adapter as { dispose?: () => unknown };
  const dispose = disposable.dispose?.bind(adapter);
  disposable.dispose = async (): Promise<void> => {
    watcher?.stop();
    await dispose?.();
  };
  return adapter;
}

function handshakeRequestOf(value: unknown): IncomingMessage | undefined {
  const headers = typeof value === 'object' && value !== null ? (value as { headers?: unknown }).headers : undefined;
  return typeof headers === 'object' && headers !== null ? (value as IncomingMessage) : undefined;
}
