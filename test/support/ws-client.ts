import { io, type Socket as IoSocket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { SESSION_ENDED_CLOSE_CODE } from 'nest-redis-session/websockets';

/** The two WebSocket platforms Nest ships, for `describe.each`. */
export type SocketPlatform = 'ws' | 'socket.io';

/** How a socket ended: the `ws` close code, or socket.io's disconnect reason. */
export interface SocketClosed {
  readonly code?: number;
  readonly reason: string;
}

/** A message the server sent: an event name and its data (`ws` frames and socket.io events alike). */
export interface ServerMessage {
  readonly event: string;
  readonly data: unknown;
}

/**
 * A real client socket of either platform, opened with a `Cookie` header as a browser would send it on
 * the handshake. `request(event, data)` sends a message and resolves the server's next reply to it (or an
 * `exception` event); everything received is kept in `received`.
 */
export class TestSocket {
  readonly received: ServerMessage[] = [];
  readonly closed: Promise<SocketClosed>;
  private readonly waiters: Array<{ events: string[]; resolve: (message: ServerMessage) => void }> = [];
  private markClosed!: (closed: SocketClosed) => void;

  private constructor(
    readonly platform: SocketPlatform,
    private readonly native: WebSocket | undefined,
    private readonly socketIo: IoSocket | undefined,
  ) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
  }

  /** Connects to the app at `baseUrl` (`http://127.0.0.1:port`) and waits until the socket is open. */
  static async connect(platform: SocketPlatform, baseUrl: string, cookie?: string): Promise<TestSocket> {
    const headers: Record<string, string> = cookie === undefined ? {} : { cookie };
    if (platform === 'ws') {
      const native = new WebSocket(baseUrl.replace(/^http/, 'ws'), { headers });
      const socket = new TestSocket(platform, native, undefined);
      native.on('message', (raw: Buffer) => socket.deliver(JSON.parse(raw.toString()) as ServerMessage));
      native.on('close', (code: number, reason: Buffer) => socket.markClosed({ code, reason: reason.toString() }));
      await new Promise<void>((resolve, reject) => {
        native.once('open', () => resolve());
        native.once('error', reject);
      });
      return socket;
    }
    const client = io(baseUrl, {
      transports: ['websocket'],
      extraHeaders: headers,
      reconnection: false,
      forceNew: true,
    });
    const socket = new TestSocket(platform, undefined, client);
    client.onAny((event: string, data: unknown) => socket.deliver({ event, data }));
    client.on('disconnect', (reason: string) => socket.markClosed({ reason }));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('connect_error', reject);
    });
    return socket;
  }

  /** Sends a message without waiting for anything. */
  send(event: string, data: unknown = {}): void {
    if (this.platform === 'ws') this.native!.send(JSON.stringify({ event, data }));
    else this.socketIo!.emit(event, data);
  }

  /** Sends a message and resolves the reply to it, or the `exception` the server sent instead. */
  async request(event: string, data: unknown = {}): Promise<ServerMessage> {
    const reply = this.next(event, 'exception');
    this.send(event, data);
    return reply;
  }

  /** The next message with one of these event names; rejects after 5 s, so a missing reply fails fast. */
  next(...events: string[]): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${events.join(' or ')} message within 5 s`)), 5_000).unref();
      this.waiters.push({
        events,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
    });
  }

  /** Closes the socket from the client side. */
  close(): void {
    this.native?.close();
    this.socketIo?.disconnect();
  }

  private deliver(message: ServerMessage): void {
    this.received.push(message);
    const at = this.waiters.findIndex((waiter) => waiter.events.includes(message.event));
    if (at !== -1) this.waiters.splice(at, 1)[0]!.resolve(message);
  }
}

/** Resolves `'closed'` if the socket closes within `ms`, `'open'` otherwise. */
export async function closedWithin(socket: TestSocket, ms: number): Promise<'closed' | 'open'> {
  let timer: NodeJS.Timeout | undefined;
  const open = new Promise<'open'>((resolve) => (timer = setTimeout(() => resolve('open'), ms)));
  const result = await Promise.race([socket.closed.then(() => 'closed' as const), open]);
  clearTimeout(timer);
  return result;
}

/**
 * The socket was closed because its session ended: code 4401 on `ws`, a server disconnect on socket.io,
 * after an `exception` event saying why.
 */
export async function expectEndedBySession(socket: TestSocket): Promise<void> {
  const closed = await socket.closed;
  if (socket.platform === 'ws') expect(closed.code).toBe(SESSION_ENDED_CLOSE_CODE);
  else expect(closed.reason).toBe('io server disconnect');
  expect(socket.received).toContainEqual({
    event: 'exception',
    data: { status: 'error', statusCode: 401, message: 'Session ended' },
  });
}
