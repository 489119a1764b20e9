import { Controller, Get, UseGuards, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard, RecentLogin, Session } from 'nest-redis-session';
import { RedisSessionTestingModule, SessionTestKit, TestClock } from 'nest-redis-session/testing';
import request from 'supertest';
import { ADAPTERS, createTestApp } from './support/test-app.js';
import { typeCheck } from './support/type-check.js';

type Server = Parameters<typeof request>[0];

interface ShopSession {
  cart?: string[];
}

/** Stands for an app's own controller under test. */
@Controller('account')
@UseGuards(AuthGuard)
class AccountController {
  @Get()
  me(@Session() session: Session<ShopSession>): object {
    return { userId: session.userId, cart: session.data.cart ?? [] };
  }

  @Get('sensitive')
  @RecentLogin(5 * 60_000)
  sensitive(): object {
    return { ok: true };
  }
}

/** An app's controller that relies on the app's global `AuthGuard` (`APP_GUARD`) instead of `@UseGuards`. */
@Controller('orders')
class OrdersController {
  @Get()
  list(@Session() session: Session): object {
    return { userId: session.userId };
  }
}

describe.each(ADAPTERS)('nest-redis-session/testing on %s', (adapter) => {
  let app: INestApplication;
  let server: Server;
  let kit: SessionTestKit;
  let clock: TestClock;

  beforeEach(async () => {
    app = await createTestApp(adapter, {
      imports: [RedisSessionTestingModule.forRoot({ idleTimeout: 30 * 60_000, absoluteTimeout: 8 * 60 * 60_000 })],
      controllers: [AccountController],
    });
    server = app.getHttpServer() as Server;
    kit = app.get(SessionTestKit);
    clock = app.get(TestClock);
  });

  afterEach(async () => {
    await app.close();
  });

  it('signs a user in without the login form: the cookie opens guarded routes, with the chosen data', async () => {
    await request(server).get('/account').expect(401);
    const { cookie } = await kit.signIn('user-1', { cart: ['tea'] });
    const me = await request(server).get('/account').set('Cookie', cookie).expect(200);
    expect(me.body).toEqual({ userId: 'user-1', cart: ['tea'] });
  });

  it('moves the clock to test the idle timeout without waiting', async () => {
    const { cookie } = await kit.signIn('user-2');
    clock.advance(29 * 60_000);
    await request(server).get('/account').set('Cookie', cookie).expect(200);
    clock.advance(29 * 60_000);
    await request(server).get('/account').set('Cookie', cookie).expect(200);
    clock.advance(30 * 60_000 + 1);
    await request(server).get('/account').set('Cookie', cookie).expect(401);
  });

  it('moves the clock to test the absolute timeout, however active the session', async () => {
    const { cookie } = await kit.signIn('user-3');
    // Every 20 minutes for 8 hours: never idle, yet the 8-hour lifetime ends it.
    for (let step = 1; step < 24; step++) {
      clock.advance(20 * 60_000);
      await request(server).get('/account').set('Cookie', cookie).expect(200);
    }
    clock.advance(20 * 60_000);
    await request(server).get('/account').set('Cookie', cookie).expect(401);
  });

  it('moves the clock to test @RecentLogin', async () => {
    const { cookie } = await kit.signIn('user-4');
    await request(server).get('/account/sensitive').set('Cookie', cookie).expect(200);
    clock.advance(5 * 60_000 + 1);
    await request(server).get('/account/sensitive').set('Cookie', cookie).expect(401);
    await request(server).get('/account').set('Cookie', cookie).expect(200);
  });

  it('guards the routes of an app whose AuthGuard is global once the test module provides the APP_GUARD too', async () => {
    const withoutGuard = await createTestApp(adapter, {
      imports: [RedisSessionTestingModule.forRoot()],
      controllers: [OrdersController],
    });
    const withGuard = await createTestApp(adapter, {
      imports: [RedisSessionTestingModule.forRoot()],
      controllers: [OrdersController],
      providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
    });
    try {
      // What the README warns about: the app's AppModule is not there, so neither is its global guard.
      await request(withoutGuard.getHttpServer() as Server)
        .get('/orders')
        .expect(200, {});
      await request(withGuard.getHttpServer() as Server)
        .get('/orders')
        .expect(401);
      const { cookie } = await withGuard.get(SessionTestKit).signIn('user-5');
      await request(withGuard.getHttpServer() as Server)
        .get('/orders')
        .set('Cookie', cookie)
        .expect(200, { userId: 'user-5' });
    } finally {
      await Promise.all([withoutGuard.close(), withGuard.close()]);
    }
  });

  it('an anonymous session with data is not signed in', async () => {
    const { cookie } = await kit.anonymous({ cart: ['cake'] });
    await request(server).get('/account').set('Cookie', cookie).expect(401);
  });
});

describe('SessionTestKit typing', () => {
  const app = (call: string): Record<string, string> => ({
    'src/session-data.ts':
      "import type {} from 'nest-redis-session';\ndeclare module 'nest-redis-session' {\n  interface SessionData {\n    cart?: string[];\n  }\n}\n",
    'test/kit.ts': `import type { SessionTestKit } from 'nest-redis-session/testing';\nexport const signIn = (kit: SessionTestKit) => ${call};\n`,
  });

  it("types signIn() and anonymous() data as the app's SessionData", () => {
    expect(typeCheck(app("kit.signIn('u', { cart: ['tea'] })"))).toEqual([]);
    expect(typeCheck(app("kit.anonymous({ cart: ['tea'] })"))).toEqual([]);
    expect(typeCheck(app("kit.signIn('u', { cart: [42] })"))).toEqual([
      expect.stringMatching(/^test\/kit\.ts:2:.* Type 'number' is not assignable to type 'string'/),
    ]);
    expect(typeCheck(app("kit.anonymous({ carts: ['tea'] })"))).toEqual([
      expect.stringMatching(/^test\/kit\.ts:2:.*'carts' does not exist/),
    ]);
  }, 120_000);

  it('takes an explicit interface instead', () => {
    const call = "kit.signIn<{ theme?: 'dark' | 'light' }>('u', { theme: 'blue' })";
    expect(typeCheck(app(call))).toEqual([
      expect.stringMatching(
        /^test\/kit\.ts:2:.*Type '"blue"' is not assignable to type '"dark" \| "light" \| undefined'/,
      ),
    ]);
  }, 120_000);
});
