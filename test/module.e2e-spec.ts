import {
  Controller,
  Get,
  Injectable,
  Module,
  Param,
  Post,
  Res,
  UseGuards,
  UseInterceptors,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import {
  AuthGuard,
  Public,
  REDIS_SESSION_CLIENT,
  RedisSessionModule,
  Session,
  SessionConfigurationError,
  SessionInterceptor,
  SessionModule,
  SessionStoreError,
  type RedisSessionModuleOptions,
  type RedisSessionOptionsFactory,
} from 'nest-redis-session';
import request from 'supertest';
import { CommandRecorder } from './support/command-recorder.js';
import { cookieFrom, setCookieFor } from './support/cookies.js';
import { FixtureController } from './support/fixture.controller.js';
import { useRedisServer } from './support/redis-fixture.js';
import { RedisServer } from './support/redis-server.js';
import { ADAPTERS, createSessionApp, createTestApp, startupError, TEST_SECRET } from './support/test-app.js';

type Server = Parameters<typeof request>[0];
const serverOf = (app: INestApplication): Server => app.getHttpServer() as Server;

@Controller('global')
class GloballyGuardedController {
  @Get('me')
  me(@Session() session: Session): object {
    return { userId: session.userId };
  }

  @Public()
  @Post('login')
  async login(@Session() session: Session): Promise<object> {
    await session.login('global-user');
    return { ok: true };
  }
}

@Controller('raw')
class RawResponseController {
  @Public()
  @Post('own-response')
  async ownResponse(
    @Session() session: Session<{ note?: string }>,
    @Res() response: { status(code: number): unknown },
  ): Promise<void> {
    session.data.note = 'written before the handler sent the response';
    await session.save();
    const reply = response as unknown as { status(code: number): { send(body: unknown): void } };
    reply.status(201).send({ ok: true });
  }
}

/** A guard of the app's that writes to the session on routes without `@Session()`. */
@Injectable()
class StampingGuard extends AuthGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const session = await this.sessions.load(context);
    (session.data as Record<string, unknown>).stamped = true;
    return true;
  }
}

@Controller('stamp')
class StampController {
  @Post()
  @UseGuards(StampingGuard)
  stamp(): object {
    return { ok: true };
  }
}

/** `SessionInterceptor` bound twice to one handler: by the class and by `@Session()`. */
@Controller('twice')
@UseInterceptors(SessionInterceptor)
class TwiceBoundController {
  @Post('set/:key')
  set(@Session() session: Session<Record<string, unknown>>, @Param('key') key: string): object {
    session.data[key] = key.length;
    return { ok: true };
  }
}

@Injectable()
class OptionsFromClass implements RedisSessionOptionsFactory {
  static url = '';
  createRedisSessionOptions(): RedisSessionModuleOptions {
    return { redis: OptionsFromClass.url, secrets: [TEST_SECRET] };
  }
}

@Module({ providers: [{ provide: 'SESSION_URL', useFactory: () => OptionsFromClass.url }], exports: ['SESSION_URL'] })
class ConfigModule {}

describe.each(ADAPTERS)('module wiring on %s', (adapter) => {
  const redis = useRedisServer({ flushBeforeEach: false });

  beforeAll(() => {
    OptionsFromClass.url = redis.url;
  });

  it('forRootAsync with useFactory and inject works, and SessionModule is the same module', async () => {
    expect(SessionModule).toBe(RedisSessionModule);
    const app = await createTestApp(adapter, {
      imports: [
        SessionModule.forRootAsync({
          imports: [ConfigModule],
          inject: ['SESSION_URL'],
          useFactory: (url: string) => ({ redis: url, secrets: [TEST_SECRET] }),
        }),
      ],
      controllers: [FixtureController],
    });
    try {
      const cookie = cookieFrom(await request(serverOf(app)).post('/login').send({ userId: 'async' }).expect(201));
      await request(serverOf(app)).get('/private').set('Cookie', cookie).expect(200);
    } finally {
      await app.close();
    }
  });

  it('forRootAsync with useClass works', async () => {
    const app = await createTestApp(adapter, {
      imports: [RedisSessionModule.forRootAsync({ useClass: OptionsFromClass })],
      controllers: [FixtureController],
    });
    try {
      await request(serverOf(app)).post('/login').send({ userId: 'class' }).expect(201);
    } finally {
      await app.close();
    }
  });

  it('rejects bad options at compile() with one line per problem', async () => {
    const compiling = Test.createTestingModule({
      imports: [RedisSessionModule.forRoot({ secrets: ['too-short'], idleTimeout: -1, keyPrefix: 'a*' })],
    }).compile();
    await expect(compiling).rejects.toBeInstanceOf(SessionConfigurationError);
    await expect(compiling).rejects.toThrow(/secrets.*32 characters[\s\S]*idleTimeout[\s\S]*keyPrefix/);
  });

  it('closes the connection it created on shutdown', async () => {
    const app = await createTestApp(adapter, {
      imports: [RedisSessionModule.forRoot({ redis: redis.url, secrets: [TEST_SECRET] })],
    });
    const client = app.get<Redis>(REDIS_SESSION_CLIENT);
    expect(client.status).toBe('ready');
    await app.close();
    expect(client.status).toBe('end');
  });

  it('never closes a client the app passed in', async () => {
    const own = new Redis(redis.port, '127.0.0.1');
    const app = await createSessionApp(adapter, { redis: own });
    await request(serverOf(app)).post('/login').send({ userId: 'own-client' }).expect(201);
    await app.close();
    expect(own.status).toBe('ready');
    expect(await own.ping()).toBe('PONG');
    own.disconnect();
  });

  it('S38: an unreachable Redis fails startup with a clear error that keeps the real cause', async () => {
    const error = await startupError(adapter, { redis: 'redis://127.0.0.1:1', secrets: [TEST_SECRET] });
    expect(error).toBeInstanceOf(SessionStoreError);
    expect(String(error)).toMatch(/startup \(connecting to 127\.0\.0\.1:1\) failed: connect ECONNREFUSED/);
  });

  it('S38: a wrong password fails startup with a clear error that shows no password', async () => {
    const secured = await RedisServer.start({ args: ['--requirepass', 'right-password'] });
    try {
      const error = await startupError(adapter, {
        redis: `redis://:wrong@127.0.0.1:${secured.port}`,
        secrets: [TEST_SECRET],
      });
      expect(error).toBeInstanceOf(SessionStoreError);
      expect(String(error)).toMatch(/WRONGPASS|invalid username-password/i);
      expect(String(error)).not.toMatch(/right-password|:wrong@/);
    } finally {
      await secured.destroy();
    }
  });

  it('AuthGuard as APP_GUARD protects every route but @Public() ones', async () => {
    const app = await createSessionApp(
      adapter,
      { redis: redis.url },
      { controllers: [GloballyGuardedController], providers: [{ provide: APP_GUARD, useClass: AuthGuard }] },
    );
    try {
      await request(serverOf(app)).get('/global/me').expect(401);
      const cookie = cookieFrom(await request(serverOf(app)).post('/global/login').expect(201));
      const me = await request(serverOf(app)).get('/global/me').set('Cookie', cookie).expect(200);
      expect(me.body).toEqual({ userId: 'global-user' });
    } finally {
      await app.close();
    }
  });

  it('a handler that sends its own response can save first with session.save()', async () => {
    const app = await createSessionApp(
      adapter,
      { redis: redis.url },
      { controllers: [RawResponseController, FixtureController] },
    );
    try {
      const response = await request(serverOf(app)).post('/raw/own-response').expect(201);
      const cookie = cookieFrom(response);
      const read = await request(serverOf(app)).get('/key/note').set('Cookie', cookie).expect(200);
      expect(read.body.value).toMatch(/written before/);
    } finally {
      await app.close();
    }
  });

  it('@Session() binds the interceptor itself: no global one by default, and routes without a session run none', async () => {
    const app = await createSessionApp(
      adapter,
      { redis: redis.url },
      { controllers: [FixtureController, StampController] },
    );
    try {
      // A @Session() route loads and saves without any global interceptor.
      const cookie = cookieFrom(await request(serverOf(app)).post('/set/theme').send({ value: 'dark' }).expect(201));
      const read = await request(serverOf(app)).get('/key/theme').set('Cookie', cookie).expect(200);
      expect(read.body.value).toBe('dark');
      // A guard that writes to the session on a route without @Session(): nothing saves it.
      const keysBefore = await redis.inspector.dbsize();
      const stamped = await request(serverOf(app)).post('/stamp').expect(201);
      expect(stamped.headers['set-cookie']).toBeUndefined();
      expect(await redis.inspector.dbsize()).toBe(keysBefore);
    } finally {
      await app.close();
    }
  });

  it('globalInterceptor: true also saves what code without @Session() wrote, and saves once where both bind it', async () => {
    const app = await createSessionApp(
      adapter,
      { redis: redis.url, globalInterceptor: true },
      { controllers: [FixtureController, StampController, TwiceBoundController] },
    );
    const recorder = await CommandRecorder.start(redis.server.client());
    try {
      const stamped = cookieFrom(await request(serverOf(app)).post('/stamp').expect(201));
      const read = await request(serverOf(app)).get('/key/stamped').set('Cookie', stamped).expect(200);
      expect(read.body.value).toBe(true);

      // Global, class-level and @Session() bindings of one handler: one load and one save per request.
      const cookie = cookieFrom(await request(serverOf(app)).post('/twice/set/a').expect(201));
      await recorder.reset();
      await request(serverOf(app)).post('/twice/set/bb').set('Cookie', cookie).expect(201);
      expect((await recorder.take()).map((command) => command.name)).toEqual(['hgetall', 'evalsha']);
      const both = await request(serverOf(app)).get('/session').set('Cookie', cookie).expect(200);
      expect(both.body.data).toEqual({ a: 1, bb: 2 });
    } finally {
      recorder.stop();
      await app.close();
    }
  });

  describe('cookie attributes', () => {
    let app: INestApplication;

    afterEach(async () => {
      await app?.close();
    });

    it('S10/S15: plain HTTP gets sid; HttpOnly; SameSite=Lax; Path=/; no Domain, no Secure; Cache-Control: no-store', async () => {
      app = await createSessionApp(adapter, { redis: redis.url });
      const response = await request(serverOf(app)).post('/set/a').send({ value: 1 }).expect(201);
      const header = setCookieFor(response)!;
      expect(header).toMatch(/^sid=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('S10/S12: behind a trusted proxy, HTTPS requests get __Host-sid with Secure; without trustProxy the header is ignored', async () => {
      app = await createSessionApp(adapter, { redis: redis.url, trustProxy: true });
      const secure = await request(serverOf(app))
        .post('/set/a')
        .set('X-Forwarded-Proto', 'https')
        .send({ value: 1 })
        .expect(201);
      expect(setCookieFor(secure, '__Host-sid')).toMatch(/; Secure; SameSite=Lax$/);
      const cookie = cookieFrom(secure, '__Host-sid');
      const read = await request(serverOf(app))
        .get('/key/a')
        .set('X-Forwarded-Proto', 'https')
        .set('Cookie', cookie)
        .expect(200);
      expect(read.body.value).toBe(1);
      await app.close();

      app = await createSessionApp(adapter, { redis: redis.url });
      const untrusted = await request(serverOf(app))
        .post('/set/a')
        .set('X-Forwarded-Proto', 'https')
        .send({ value: 1 })
        .expect(201);
      expect(setCookieFor(untrusted, 'sid')).not.toMatch(/Secure/);
      expect(setCookieFor(untrusted, '__Host-sid')).toBeUndefined();
    });

    it('custom attributes are honoured and clearing repeats them (S16)', async () => {
      app = await createSessionApp(adapter, {
        redis: redis.url,
        cookie: { name: 'app_session', path: '/', domain: 'example.test', sameSite: 'strict', secure: false },
      });
      const login = await request(serverOf(app)).post('/login').send({ userId: 'attrs' }).expect(201);
      expect(setCookieFor(login, 'app_session')).toMatch(/; Path=\/; Domain=example\.test; HttpOnly; SameSite=Strict$/);
      const logout = await request(serverOf(app))
        .post('/logout')
        .set('Cookie', cookieFrom(login, 'app_session'))
        .expect(201);
      expect(setCookieFor(logout, 'app_session')).toMatch(
        /^app_session=; Path=\/; Domain=example\.test; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/,
      );
      expect(logout.headers['cache-control']).toBe('no-store');
    });
  });
});
