import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { RedisSessionModule, type RedisSessionModuleOptions } from 'nest-redis-session';
import { RedisSessionHealthIndicator } from 'nest-redis-session/terminus';
import request from 'supertest';
import { RedisSessionStore } from './support/internals.js';
import { useRedisServer } from './support/redis-fixture.js';
import { ADAPTERS, createTestApp, TEST_SECRET, type AdapterName } from './support/test-app.js';
import { timed, waitFor } from './support/timing.js';

type Server = Parameters<typeof request>[0];

const COMMAND_TIMEOUT = 300;
/** Generous: the point is "bounded, not hung", on a noisy 2-core machine. */
const BOUND = COMMAND_TIMEOUT + 1_500;
const SHAS = RedisSessionStore.scripts.map((script) => script.sha);

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly sessions: RedisSessionHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.sessions.check()]);
  }

  @Get('named')
  @HealthCheck()
  named() {
    return this.health.check([() => this.sessions.check('session-store')]);
  }
}

function healthApp(adapter: AdapterName, options: RedisSessionModuleOptions): Promise<INestApplication> {
  return createTestApp(adapter, {
    imports: [RedisSessionModule.forRoot(options), TerminusModule],
    controllers: [HealthController],
    providers: [RedisSessionHealthIndicator],
  });
}

describe.each(ADAPTERS)('RedisSessionHealthIndicator on %s', (adapter) => {
  const redis = useRedisServer({ flushBeforeEach: false });
  let server: Server;

  /** How many of the library's scripts the server holds. */
  const scriptsLoaded = async (): Promise<number> =>
    ((await redis.inspector.script('EXISTS', ...SHAS)) as number[]).filter((exists) => exists === 1).length;

  beforeAll(async () => {
    const app = await healthApp(adapter, { redis: redis.url, secrets: [TEST_SECRET], commandTimeout: COMMAND_TIMEOUT });
    redis.closeBeforeStop(app);
    server = app.getHttpServer() as Server;
  });

  it('is up with Redis reachable and the scripts loaded, and reports the PING latency', async () => {
    const response = await request(server).get('/health').expect(200);
    expect(response.body).toMatchObject({ status: 'ok', info: { sessions: { status: 'up' } } });
    const sessions = (response.body as { info: { sessions: Record<string, unknown> } }).info.sessions;
    expect(sessions).toEqual({
      status: 'up',
      store: 'redis',
      latency: expect.any(Number),
      scripts: 'loaded',
      responseTime: expect.any(Number),
    });
    expect(sessions.latency as number).toBeLessThan(COMMAND_TIMEOUT);
    expect(await scriptsLoaded()).toBe(SHAS.length);
  });

  it('reloads scripts the server lost (SCRIPT FLUSH) and says so, staying up', async () => {
    await redis.inspector.script('FLUSH');
    expect(await scriptsLoaded()).toBe(0);

    const reloaded = await request(server).get('/health').expect(200);
    expect(reloaded.body.info.sessions).toMatchObject({ status: 'up', scripts: 'reloaded' });
    expect(await scriptsLoaded()).toBe(SHAS.length);

    const next = await request(server).get('/health').expect(200);
    expect(next.body.info.sessions).toMatchObject({ status: 'up', scripts: 'loaded' });
  });

  it('is down within commandTimeout when Redis hangs', async () => {
    process.kill(redis.server.pid, 'SIGSTOP');
    try {
      const { result, ms } = await timed(() => request(server).get('/health'));
      expect(result.status).toBe(503);
      expect(result.body).toMatchObject({
        status: 'error',
        error: { sessions: { status: 'down', message: `timeout of ${COMMAND_TIMEOUT}ms exceeded` } },
      });
      expect(ms).toBeLessThan(BOUND);
    } finally {
      process.kill(redis.server.pid, 'SIGCONT');
    }
    await waitFor('the health check to be up again', async () => (await request(server).get('/health')).status === 200);
  });

  it('is down at once when Redis is stopped, and up again (scripts reloaded) after it restarts', async () => {
    await redis.server.stop();
    try {
      const { result, ms } = await timed(() => request(server).get('/health'));
      expect(result.status).toBe(503);
      expect(result.body.error.sessions).toEqual({
        status: 'down',
        message: expect.stringMatching(
          new RegExp(
            `^Redis unreachable \\(no connection to 127\\.0\\.0\\.1:${redis.port}; the client is (reconnecting|connecting|close)\\)$`,
          ),
        ),
        responseTime: expect.any(Number),
      });
      expect(ms).toBeLessThan(BOUND);
    } finally {
      await redis.server.restart();
    }
    // A restarted server without persistence has no scripts: the first check that reaches it loads them.
    let body: { info?: { sessions?: { scripts?: string } } } = {};
    await waitFor('the health check to be up again', async () => {
      const response = await request(server).get('/health');
      body = response.body as typeof body;
      return response.status === 200;
    });
    expect(body.info?.sessions?.scripts).toBe('reloaded');
    expect(await scriptsLoaded()).toBe(SHAS.length);
  });
});

describe('RedisSessionHealthIndicator with the memory store', () => {
  it('is up with store: memory, under the key the app chose', async () => {
    const app = await healthApp('express', { store: 'memory', secrets: [TEST_SECRET] });
    try {
      const server = app.getHttpServer() as Server;
      const response = await request(server).get('/health').expect(200);
      expect(response.body.info).toEqual({ sessions: { status: 'up', store: 'memory' } });
      const named = await request(server).get('/health/named').expect(200);
      expect(named.body.info).toEqual({ 'session-store': { status: 'up', store: 'memory' } });
    } finally {
      await app.close();
    }
  });
});
