import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { WsAdapter } from '@nestjs/platform-ws';
import { RedisSessionModule, type RedisSessionModuleOptions } from 'nest-redis-session';
import { withSessionSockets } from 'nest-redis-session/websockets';
import type request from 'supertest';
import { FixtureController } from './fixture.controller.js';
import { listen } from './robustness-http.js';
import { started } from './started.js';
import { createTestApp, TEST_SECRET, type AdapterName } from './test-app.js';
import { TestSocket, type SocketPlatform } from './ws-client.js';
import { SessionGateway } from './ws-gateway.js';

/** Module options of a socket test app: a Redis URL, and whatever else the suite sets. */
export type SocketAppOptions = Partial<RedisSessionModuleOptions> & { redis: string };

/**
 * A listening app with `FixtureController` (HTTP) and `SessionGateway` (WebSocket) on one port, and the
 * client sockets a test opened on it.
 */
export class SocketTestApp {
  private readonly sockets: TestSocket[] = [];
  private appValue: INestApplication | undefined;
  private urlValue: string | undefined;

  constructor(
    private readonly http: AdapterName,
    readonly platform: SocketPlatform,
  ) {}

  get app(): INestApplication {
    return started(this.appValue, 'the socket test app');
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return started(this.urlValue, 'the socket test app');
  }

  /** The app's HTTP server, for supertest. */
  get server(): Parameters<typeof request>[0] {
    return this.app.getHttpServer() as Parameters<typeof request>[0];
  }

  /**
   * Builds the app, its socket adapter wrapped with `withSessionSockets`, and listens on a free loopback
   * port.
   */
  async start(options: SocketAppOptions): Promise<this> {
    this.appValue = await createTestApp(this.http, {
      imports: [RedisSessionModule.forRoot({ secrets: [TEST_SECRET], ...options })],
      controllers: [FixtureController],
      providers: [SessionGateway],
      configure: (app) =>
        app.useWebSocketAdapter(
          withSessionSockets(app, this.platform === 'ws' ? new WsAdapter(app) : new IoAdapter(app)),
        ),
    });
    this.urlValue = `http://127.0.0.1:${await listen(this.appValue)}`;
    return this;
  }

  /** Opens a client socket, with `cookie` on its handshake; `closeSockets()` closes it. */
  async connect(cookie?: string): Promise<TestSocket> {
    const socket = await TestSocket.connect(this.platform, this.url, cookie);
    this.sockets.push(socket);
    return socket;
  }

  /** Closes every socket `connect()` opened. */
  closeSockets(): void {
    for (const socket of this.sockets.splice(0)) socket.close();
  }

  /** Closes the sockets and the app. */
  async close(): Promise<void> {
    this.closeSockets();
    await this.appValue?.close();
  }
}

/**
 * A `SocketTestApp` for the calling describe block: started before its tests on `options()` (read then,
 * so it may name a Redis started by an earlier hook), closed after them; each test's sockets are closed
 * after it.
 */
export function useSocketTestApp(
  http: AdapterName,
  platform: SocketPlatform,
  options: () => SocketAppOptions,
): SocketTestApp {
  const subject = new SocketTestApp(http, platform);
  beforeAll(() => subject.start(options()));
  afterAll(() => subject.close());
  afterEach(() => subject.closeSockets());
  return subject;
}
