import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { cookieFrom, setCookieFor } from './support/cookies.js';
import { useRedisServer } from './support/redis-fixture.js';
import { publicIdForTests } from './support/signer.js';
import { ADAPTERS, createSessionApp } from './support/test-app.js';

describe.each(ADAPTERS)('session core on %s', (adapter) => {
  const redis = useRedisServer({ recordCommands: true });
  let app: INestApplication;

  beforeAll(async () => {
    app = redis.closeBeforeStop(await createSessionApp(adapter, { redis: redis.url }));
  });

  const server = (): Parameters<typeof request>[0] => app.getHttpServer() as Parameters<typeof request>[0];

  it('sends no Redis command and sets no cookie on a route that never touches the session', async () => {
    const response = await request(server()).get('/anonymous').expect(200);
    expect(setCookieFor(response)).toBeUndefined();
    expect(await redis.recorder.take()).toEqual([]);
  });

  it('creates nothing for a request without a cookie that only reads the session', async () => {
    const response = await request(server()).get('/session').expect(200);
    expect(response.body.isNew).toBe(true);
    expect(setCookieFor(response)).toBeUndefined();
    expect(await redis.recorder.take()).toEqual([]);
    expect(await redis.inspector.dbsize()).toBe(0);
  });

  it('creates a session once the handler writes data, and reads it back in one round trip', async () => {
    const first = await request(server()).post('/set/theme').send({ value: 'dark' }).expect(201);
    const cookie = cookieFrom(first);
    expect(await redis.recorder.take()).toHaveLength(1);
    const read = await request(server()).get('/theme').set('Cookie', cookie).expect(200);
    expect(read.body).toEqual({ theme: 'dark' });
    const commands = await redis.recorder.take();
    expect(commands.map((c) => c.name)).toEqual(['hgetall']);
  });

  it('signs in with one Redis command: the record and its index entry in one script (one server)', async () => {
    await request(server()).post('/login').send({ userId: 'one-trip' }).expect(201);
    const commands = await redis.recorder.take();
    expect(commands.map((c) => c.name)).toEqual(['evalsha']);
    // sha, numkeys 3: the record, the user's index, its revocation mark
    expect(commands[0]!.args[1]).toBe('3');
    expect(await redis.inspector.keys('sess:u:*')).toHaveLength(1);
  });

  it('writes only the changed key when saving', async () => {
    const cookie = cookieFrom(await request(server()).post('/set/a').send({ value: 1 }).expect(201));
    await request(server())
      .post('/set/b')
      .set('Cookie', cookie)
      .send({ value: { nested: [1] } })
      .expect(201);
    await redis.recorder.reset();
    await request(server()).post('/push/list').set('Cookie', cookie).send({ value: 'x' }).expect(201);
    const commands = await redis.recorder.take();
    expect(commands.map((c) => c.name)).toEqual(['hgetall', 'evalsha']);
    const save = commands[1]!;
    // sha, numkeys, key, idle, anonymous idle, grace, size limit, count of set pairs, then only the changed field
    expect(save.args.slice(7)).toEqual(['1', 'list', '["x"]']);
  });

  it('keeps both changes when two requests change different keys at once', async () => {
    const cookie = cookieFrom(await request(server()).post('/set/seed').send({ value: 0 }).expect(201));
    await Promise.all([
      request(server()).post('/set/left').set('Cookie', cookie).send({ value: 'L' }).expect(201),
      request(server()).post('/set/right').set('Cookie', cookie).send({ value: 'R' }).expect(201),
    ]);
    const read = await request(server()).get('/session').set('Cookie', cookie).expect(200);
    expect(read.body.data).toEqual({ seed: 0, left: 'L', right: 'R' });
  });

  it('guards: 401 without a login, 200 after, with a new ID at login', async () => {
    const anonymous = cookieFrom(
      await request(server())
        .post('/set/cart')
        .send({ value: ['apple'] })
        .expect(201),
    );
    await request(server()).get('/private').set('Cookie', anonymous).expect(401);
    const login = await request(server()).post('/login').set('Cookie', anonymous).send({ userId: 'u1' }).expect(201);
    const signedIn = cookieFrom(login);
    expect(signedIn).not.toEqual(anonymous);
    const me = await request(server()).get('/private').set('Cookie', signedIn).expect(200);
    expect(me.body).toEqual({ userId: 'u1', data: { cart: ['apple'] } });
    // S17: the pre-login ID is gone.
    await request(server()).get('/private').set('Cookie', anonymous).expect(401);
  });

  it('logout deletes the record and clears the cookie with the same attributes', async () => {
    const cookie = cookieFrom(await request(server()).post('/login').send({ userId: 'u2' }).expect(201));
    const logout = await request(server()).post('/logout').set('Cookie', cookie).expect(201);
    const cleared = setCookieFor(logout)!;
    expect(cleared).toMatch(/^sid=; Path=\/; Max-Age=0; .*HttpOnly; SameSite=Lax$/);
    expect(logout.headers['cache-control']).toBe('no-store');
    expect(await redis.inspector.dbsize()).toBe(0);
    await request(server()).get('/private').set('Cookie', cookie).expect(401);
  });

  it('session.rejection says why the cookie gave no session, and is null when it did or there was none', async () => {
    const rejectionWith = async (cookie?: string): Promise<unknown> => {
      const call = request(server()).get('/session');
      return (await (cookie === undefined ? call : call.set('Cookie', cookie)).expect(200)).body.rejection;
    };
    expect(await rejectionWith()).toBeNull();
    const cookie = cookieFrom(await request(server()).post('/login').send({ userId: 'u9' }).expect(201));
    expect(await rejectionWith(cookie)).toBeNull();
    const [id, signature] = cookie.slice('sid='.length).split('.');
    const tampered = `sid=${id}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
    expect(await rejectionWith(tampered)).toBe('bad-signature');
    expect(await rejectionWith('sid=not-a-session-cookie')).toBe('malformed-cookie');
    // Signed out elsewhere (another tab kept the cookie): the record is gone, the cookie still verifies.
    await request(server()).post('/logout').set('Cookie', cookie).expect(201);
    expect(await rejectionWith(cookie)).toBe('unknown');
  });

  it('keeps a login made by a handler that then throws, and drops its data changes', async () => {
    const response = await request(server()).post('/login-then-fail').expect(500);
    const cookie = cookieFrom(response);
    await request(server()).get('/private').set('Cookie', cookie).expect(200);
    const seed = cookieFrom(await request(server()).post('/set/k').send({ value: 'kept' }).expect(201));
    await request(server()).post('/set-then-fail/k').set('Cookie', seed).expect(500);
    const read = await request(server()).get('/key/k').set('Cookie', seed).expect(200);
    expect(read.body).toEqual({ value: 'kept' });
  });

  it('the guard loads the session once and the handler reuses it', async () => {
    const cookie = cookieFrom(await request(server()).post('/login').send({ userId: 'u3' }).expect(201));
    await redis.recorder.reset();
    await request(server()).get('/private').set('Cookie', cookie).expect(200);
    expect((await redis.recorder.take()).map((c) => c.name)).toEqual(['hgetall']);
    await request(server()).get('/private-no-param').set('Cookie', cookie).expect(200);
    expect((await redis.recorder.take()).map((c) => c.name)).toEqual(['hgetall']);
  });

  it('stores a hash under a hashed key, never the raw ID', async () => {
    const cookie = cookieFrom(await request(server()).post('/set/x').send({ value: 1 }).expect(201));
    const id = cookie.slice('sid='.length).split('.')[0]!;
    const keys = await redis.inspector.keys('*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^sess:\{[A-Za-z0-9_-]{22}\}$/);
    expect(keys[0]).toBe(`sess:{${publicIdForTests(id)}}`);
    expect(keys[0]).not.toContain(id);
    expect(await redis.inspector.type(keys[0]!)).toBe('hash');
    expect(await redis.inspector.pttl(keys[0]!)).toBeGreaterThan(0);
  });
});
