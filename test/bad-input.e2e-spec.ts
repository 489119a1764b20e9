import type { Redis } from 'ioredis';
import request from 'supertest';
import { cookieFrom, setCookieFor, valueOf } from './support/cookies.js';
import { useRedisServer } from './support/redis-fixture.js';
import { ADAPTERS, createSessionApp, TEST_SECRET } from './support/test-app.js';

type Server = Parameters<typeof request>[0];

function flipLastChar(text: string): string {
  const last = text.at(-1)!;
  return text.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}

describe.each(ADAPTERS)('bad input on %s', (adapter) => {
  const redis = useRedisServer({ recordCommands: true });
  let server: Server;

  beforeAll(async () => {
    const app = redis.closeBeforeStop(await createSessionApp(adapter, { redis: redis.url, maxSessionBytes: 4_096 }));
    server = app.getHttpServer() as Server;
  });

  async function signedIn(): Promise<string> {
    return cookieFrom(await request(server).post('/login').send({ userId: 'victim' }).expect(201));
  }

  describe('cookies', () => {
    it('S6/S7: tampered, unsigned, truncated or padded cookies give no session, no Redis command, no key', async () => {
      const valid = valueOf(await signedIn());
      const [id, signature] = valid.split('.') as [string, string];
      const before = await redis.inspector.dbsize();
      await redis.recorder.reset();
      const shapes = [
        id,
        `${valid}x`,
        `${valid}.x`,
        `x${valid}`,
        `${id}.`,
        `.${signature}`,
        `${id}..${signature}`,
        `${flipLastChar(id)}.${signature}`,
        `${id}.${flipLastChar(signature)}`,
        `${id}.${signature.replace(/-/g, '+').replace(/_/g, '/')}=`,
        '',
        '*',
        '../../etc',
        'x'.repeat(4_096),
      ];
      for (const shape of shapes) {
        const response = await request(server).get('/private').set('Cookie', `sid=${shape}`);
        expect(response.status).toBe(401);
        expect(setCookieFor(response)).toBeUndefined();
      }
      expect(await redis.recorder.take()).toEqual([]);
      expect(await redis.inspector.dbsize()).toBe(before);
    });

    it('S3: a well-formed, correctly signed ID that the server never issued is not adopted', async () => {
      // Sign an ID the way the library does, with the app's own secret, but never store it.
      const { CookieSignerForTests } = await import('./support/signer.js');
      const forged = new CookieSignerForTests([TEST_SECRET]).signFresh();
      const response = await request(server).post('/set/k').set('Cookie', `sid=${forged.value}`).send({ value: 1 });
      expect(response.status).toBe(201);
      const issued = cookieFrom(response);
      expect(valueOf(issued)).not.toBe(forged.value);
      expect(await redis.inspector.exists(`sess:{${forged.publicId}}`)).toBe(0);
    });

    it('S4: a valid ID in the query string or body is ignored', async () => {
      const valid = valueOf(await signedIn());
      await request(server)
        .get(`/private?sid=${encodeURIComponent(valid)}`)
        .expect(401);
      await request(server).get('/private').set('X-Session-Id', valid).expect(401);
    });

    it('two different valid cookies for one name give no session; a junk copy beside a valid one is ignored', async () => {
      const first = valueOf(await signedIn());
      const second = valueOf(await signedIn());
      await request(server).get('/private').set('Cookie', `sid=${first}; sid=${second}`).expect(401);
      await request(server).get('/private').set('Cookie', `sid=junk; sid=${first}`).expect(200);
      await request(server).get('/private').set('Cookie', `sid=${first}; sid=junk`).expect(200);
    });

    it('odd Cookie headers never cause a 5xx', async () => {
      const headers = [
        ';;;',
        '=',
        '=v',
        'sid',
        'sid=',
        'sid="x"',
        ' sid = x ;',
        '\tsid=\t',
        '__proto__=1; constructor=2',
        `a=${'b'.repeat(8_000)}`,
      ];
      for (const header of headers) {
        const response = await request(server).get('/session').set('Cookie', header);
        expect(response.status).toBe(200);
        expect(response.body.isNew).toBe(true);
      }
      expect(await redis.inspector.dbsize()).toBe(0);
    });
  });

  describe('session data', () => {
    it.each(['bigint', 'cycle', 'deep'])(
      'S33/S34: an unserializable value (%s) fails the request clearly and changes nothing',
      async (kind) => {
        const cookie = cookieFrom(await request(server).post('/set/kept').send({ value: 'original' }).expect(201));
        const response = await request(server).post(`/set-unserializable/${kind}`).set('Cookie', cookie);
        expect(response.status).toBe(500);
        const read = await request(server).get('/session').set('Cookie', cookie).expect(200);
        expect(read.body.data).toEqual({ kept: 'original' });
      },
    );

    it('S33: a session over maxSessionBytes is refused with 413 and the stored session stays as it was', async () => {
      const cookie = cookieFrom(await request(server).post('/set/kept').send({ value: 'original' }).expect(201));
      const response = await request(server).post('/set-size/big/5000').set('Cookie', cookie);
      expect(response.status).toBe(413);
      const read = await request(server).get('/session').set('Cookie', cookie).expect(200);
      expect(read.body.data).toEqual({ kept: 'original' });
      // A new session over the limit is not created at all.
      const fresh = await request(server).post('/set-size/big/5000');
      expect(fresh.status).toBe(413);
      expect(setCookieFor(fresh)).toBeUndefined();
    });
  });

  describe('stored records the library did not write (S25, S31)', () => {
    async function tamperedRecord(write: (key: string) => Promise<unknown>): Promise<string> {
      const cookie = await signedIn();
      const [key] = await redis.inspector.keys('sess:{*');
      await write(key!);
      return cookie;
    }

    const cases: Array<[string, (inspector: Redis, key: string) => Promise<unknown>]> = [
      [
        'not a hash',
        async (r, k) => {
          await r.del(k);
          await r.set(k, 'x', 'PX', 60_000);
        },
      ],
      ['empty', (r, k) => r.hdel(k, '#c', '#s', '#d', '#u', '#t')],
      ['creation time not a number', (r, k) => r.hset(k, '#c', 'NaN')],
      ['negative deadline', (r, k) => r.hset(k, '#d', '-5')],
      ['far-future creation', (r, k) => r.hset(k, '#c', String(Date.now() + 10 * 365 * 86_400_000))],
      ['user without login time', (r, k) => r.hdel(k, '#t')],
      ['broken JSON', (r, k) => r.hset(k, 'cart', '{"broken"')],
      ['JSON with a BOM', (r, k) => r.hset(k, 'cart', '\uFEFF[]')],
      ['__proto__ at the top', (r, k) => r.hset(k, '__proto__', '{"isAuthenticated":true}')],
      ['__proto__ nested', (r, k) => r.hset(k, 'prefs', '{"a":{"__proto__":{"isAuthenticated":true}}}')],
    ];

    it.each(cases)('%s → no session: 401, never a 5xx, no prototype change', async (_name, write) => {
      const cookie = await tamperedRecord((key) => write(redis.inspector, key));
      const guarded = await request(server).get('/private').set('Cookie', cookie);
      expect(guarded.status).toBe(401);
      const open = await request(server).get('/session').set('Cookie', cookie);
      expect(open.status).toBe(200);
      expect(open.body.isAuthenticated).toBe(false);
      expect(({} as Record<string, unknown>).isAuthenticated).toBeUndefined();
    });

    it('S32: a data key named like a library field is stored apart from it', async () => {
      const cookie = cookieFrom(await request(server).post('/set/%23u').send({ value: 'admin' }).expect(201));
      await request(server).get('/private').set('Cookie', cookie).expect(401);
      const read = await request(server).get('/session').set('Cookie', cookie).expect(200);
      expect(read.body.data).toEqual({ '#u': 'admin' });
      expect(read.body.isAuthenticated).toBe(false);
    });

    it('S28: writing userId into the data authenticates nobody', async () => {
      const cookie = cookieFrom(await request(server).post('/set/userId').send({ value: 'admin' }).expect(201));
      await request(server).get('/private').set('Cookie', cookie).expect(401);
    });
  });
});
