import { Body, Controller, Get, Module, Post, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AuthGuard, RedisSessionModule, Session, SessionRepository } from 'nest-redis-session';
import request from 'supertest';
import { cookieFrom } from './support/cookies.js';
import { ADAPTERS, createTestApp, TEST_SECRET } from './support/test-app.js';

/*
 * `isGlobal: false`: the module is not visible app-wide, so feature modules import it. The supported way,
 * as the README shows: a module of the app's imports the configured module once and exports it, and every
 * feature module imports that one. They then share one store (here the in-memory one, which would show a
 * second instance at once).
 */

type Server = Parameters<typeof request>[0];

/** The app's sessions module: configures the library once and exports it to whoever imports this. */
const SESSIONS = RedisSessionModule.forRoot({ store: 'memory', secrets: [TEST_SECRET], isGlobal: false });
@Module({ imports: [SESSIONS], exports: [SESSIONS] })
class SessionsModule {}

@Controller('account')
class AccountController {
  constructor(private readonly sessions: SessionRepository) {}

  @Post('login')
  async login(@Session() session: Session, @Body() body: { userId: string }): Promise<object> {
    await session.login(body.userId);
    return { ok: true };
  }

  @Get('devices')
  @UseGuards(AuthGuard)
  async devices(@Session() session: Session): Promise<object> {
    return { count: await this.sessions.countForUser(session.userId!) };
  }
}
@Module({ imports: [SessionsModule], controllers: [AccountController] })
class AccountModule {}

@Controller('cart')
@UseGuards(AuthGuard)
class CartController {
  @Post()
  add(@Session() session: Session<{ cart?: string[] }>, @Body() body: { sku: string }): object {
    session.data.cart = [...(session.data.cart ?? []), body.sku];
    return { cart: session.data.cart };
  }

  @Get()
  read(@Session() session: Session<{ cart?: string[] }>): object {
    return { userId: session.userId, cart: session.data.cart ?? [] };
  }
}
@Module({ imports: [SessionsModule], controllers: [CartController] })
class CartModule {}

describe.each(ADAPTERS)('isGlobal: false, on %s', (adapter) => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp(adapter, { imports: [AccountModule, CartModule] });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('feature modules that import the app module exporting it share one session store', async () => {
    const server = app.getHttpServer() as Server;
    await request(server).get('/cart').expect(401);
    const cookie = cookieFrom(await request(server).post('/account/login').send({ userId: 'u-1' }).expect(201));
    await request(server).post('/cart').set('Cookie', cookie).send({ sku: 'tea' }).expect(201);
    expect((await request(server).get('/cart').set('Cookie', cookie).expect(200)).body).toEqual({
      userId: 'u-1',
      cart: ['tea'],
    });
    expect((await request(server).get('/account/devices').set('Cookie', cookie).expect(200)).body).toEqual({
      count: 1,
    });
  });
});

describe('importing the RedisSessionModule class itself', () => {
  it('fails with a message that says which module to import instead', async () => {
    @Module({ imports: [RedisSessionModule], controllers: [CartController] })
    class MistakenFeatureModule {}
    const compiling = Test.createTestingModule({ imports: [SESSIONS, MistakenFeatureModule] }).compile();
    await expect(compiling).rejects.toThrow(
      'RedisSessionModule was imported without forRoot() or forRootAsync(): import the module they return. ' +
        'With isGlobal: false, import it once in a module of your own that also exports it, and import that ' +
        'module wherever sessions are used.',
    );
  });
});
