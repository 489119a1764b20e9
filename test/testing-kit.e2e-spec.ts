import { Controller, Get, UseGuards, type INestApplication } from '@nestjs/common';
import { AuthGuard, RecentLogin, Session } from 'nest-redis-session';
import { RedisSessionTestingModule, SessionTestKit, TestClock } from 'nest-redis-session/testing';
import request from 'supertest';
import { ADAPTERS, createTestApp } from './support/test-app.js';

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

  it('an anonymous session with data is not signed in', async () => {
    const { cookie } = await kit.anonymous({ cart: ['cake'] });
    await request(server).get('/account').set('Cookie', cookie).expect(401);
  });
});
