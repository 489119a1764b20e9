import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RedisSessionModule, type RedisSessionModuleOptions } from 'nest-redis-session';
import { withSessionSockets } from 'nest-redis-session/websockets';
import { FixtureController } from './fixture.controller.js';
import { adapterOf, TEST_SECRET, type AdapterName } from './test-app.js';
import type { SocketPlatform } from './ws-client.js';
import { SessionGateway } from './ws-gateway.js';

/** A listening app with `FixtureController` (HTTP) and `SessionGateway` (WebSocket) on one port. */
export interface SocketTestApp {
  readonly app: INestApplication;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
}

/**
 * Builds the app on an HTTP adapter and a WebSocket platform, its socket adapter wrapped with
 * `withSessionSockets`, and listens on a free loopback port. The caller closes it.
 */
export async function createSocketTestApp(
  http: AdapterName,
  platform: SocketPlatform,
  options: Partial<RedisSessionModuleOptions> & { redis: string },
): Promise<SocketTestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [RedisSessionModule.forRoot({ secrets: [TEST_SECRET], ...options })],
    controllers: [FixtureController],
    providers: [SessionGateway],
  }).compile();
  const app = moduleRef.createNestApplication(adapterOf(http), { logger: false });
  app.useWebSocketAdapter(withSessionSockets(app, platform === 'ws' ? new WsAdapter(app) : new IoAdapter(app)));
  await app.listen(0, '127.0.0.1');
  const address = (app.getHttpServer() as Server).address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${address.port}` };
}
