import type { INestApplication } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { RedisSessionModule } from 'nest-redis-session';
import { FixtureController } from './support/fixture.controller.js';
import { useRobustnessApp } from './support/robustness-app.js';
import { sessionCookieOf, setCookies } from './support/cookies.js';
import { HttpClient, listen } from './support/robustness-http.js';
import { liveRecords } from './support/robustness-redis.js';
import { ErrorNameFilter, hostileValue, RobustnessController } from './support/robustness.controller.js';
import { ADAPTERS, createTestApp, TEST_SECRET } from './support/test-app.js';

/** What JSON keeps of a value: the documented lossy behaviour (README, "Values must be JSON"). */
const asJson = (value: unknown): unknown => {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : JSON.parse(text);
};

describe.each(ADAPTERS)('robustness: hostile values through the API on %s', (adapter) => {
  const env = useRobustnessApp(adapter, { providers: [{ provide: APP_FILTER, useClass: ErrorNameFilter }] });
  let prototypeNames: string[];

  beforeAll(() => {
    prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
  });

  beforeEach(async () => {
    await env.inspector.flushall();
  });

  afterEach(() => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
    expect(({} as Record<string, unknown>).isAuthenticated).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  async function dataOf(cookie: string): Promise<Record<string, unknown>> {
    const reply = await env.http.get('/r/session', { cookie });
    expect(reply.status).toBe(200);
    expect(reply.body.isNew).toBe(false);
    return reply.body.data as Record<string, unknown>;
  }

  describe('values a save must refuse (S33, S34)', () => {
    it.each([
      ['mib1', 413, 'SessionTooLargeException'],
      ['mib10', 413, 'SessionTooLargeException'],
      ['wide', 413, 'SessionTooLargeException'],
      ['deep', 500, 'SessionSerializationError'],
      ['bigint', 500, 'SessionSerializationError'],
      ['nested-bigint', 500, 'SessionSerializationError'],
      ['cycle', 500, 'SessionSerializationError'],
      ['toJSON-throws', 500, 'SessionSerializationError'],
      ['getter-throws', 500, 'SessionSerializationError'],
    ])('%s → %i %s; the stored session is unchanged and no new session is created', async (kind, status, name) => {
      const cookie = await env.sessionWith({ kept: 'original' });
      const [key] = await liveRecords(env.inspector);
      const before = await env.inspector.hgetall(key!);

      const reply = await env.http.post(`/r/value/${kind}`, { cookie });
      expect(reply.status).toBe(status);
      expect(reply.body.name).toBe(name);
      if (status === 500) expect(reply.body.message).toMatch(/^Session data key "v" cannot be saved: /);
      expect(setCookies(reply)).toEqual([]);
      expect(await env.inspector.hgetall(key!)).toEqual(before);
      expect(await dataOf(cookie)).toEqual({ kept: 'original' });

      const fresh = await env.http.post(`/r/value/${kind}`);
      expect(fresh.status).toBe(status);
      expect(setCookies(fresh)).toEqual([]);
      expect(await env.inspector.keys('*')).toEqual([key]);
    });

    it('S33: 100,000 top-level keys → 413 under the default limit, nothing written', async () => {
      const cookie = await env.sessionWith({ kept: 'original' });
      const reply = await env.http.post('/r/keys/100000', { cookie });
      expect(reply.status).toBe(413);
      expect(reply.body.name).toBe('SessionTooLargeException');
      expect(await dataOf(cookie)).toEqual({ kept: 'original' });
    });
  });

  describe('values JSON changes (documented as lossy, S34)', () => {
    it.each([
      ['function', 'the key is removed'],
      ['symbol', 'the key is removed'],
      ['undefined', 'the key is removed'],
      ['date', 'an ISO string'],
      ['map', '{}'],
      ['set', '{}'],
      ['nan', 'null'],
      ['infinity', 'null, null and 0'],
      ['above-2^53', 'the nearest double, exactly as JSON.stringify writes it'],
      ['nested-lossy', 'undefined members dropped, in arrays null; symbol keys dropped'],
    ])('%s is stored as %s', async (kind) => {
      const cookie = await env.sessionWith({ kept: 'original', v: 'previous' });
      const reply = await env.http.post(`/r/value/${kind}`, { cookie });
      expect(reply.status).toBe(201);
      const expected: Record<string, unknown> = { kept: 'original' };
      const json = asJson(hostileValue(kind));
      if (json !== undefined) expected.v = json;
      expect(await dataOf(cookie)).toEqual(expected);
    });

    it('integers above 2^53 come back as the same doubles', async () => {
      const cookie = await env.sessionWith({ kept: 'original' });
      await env.http.post('/r/value/above-2^53', { cookie });
      const v = (await dataOf(cookie)).v as number[];
      expect(v).toEqual([2 ** 53 + 2, 2 ** 60, 2 ** 53, 1e21]);
      expect(v.map((n) => Number.isSafeInteger(n))).toEqual([false, false, false, false]);
    });
  });

  describe('"__proto__" and friends from user input (S31, S32)', () => {
    it('S31: a data key "__proto__" taken from user input is not stored and changes no prototype', async () => {
      const cookie = await env.sessionWith({ kept: 'original' });
      const reply = await env.http.post('/r/user-key', {
        cookie,
        json: { key: '__proto__', value: { isAuthenticated: true, polluted: true } },
      });
      expect(reply.status).toBe(201);
      const [key] = await liveRecords(env.inspector);
      expect(await env.inspector.hkeys(key!)).not.toContain('__proto__');
      expect(await dataOf(cookie)).toEqual({ kept: 'original' });
      expect((await env.http.get('/private', { cookie })).status).toBe(401);
    });

    it.each(['constructor', 'prototype', 'toString', 'hasOwnProperty', 'isAuthenticated', 'userId', '#u'])(
      'S32: a data key %s from user input is plain data, and authenticates nobody',
      async (name) => {
        const cookie = await env.sessionWith({ kept: 'original' });
        const reply = await env.http.post('/r/user-key', { cookie, json: { key: name, value: 'admin' } });
        expect(reply.status).toBe(201);
        expect(await dataOf(cookie)).toEqual({ kept: 'original', [name]: 'admin' });
        expect((await env.http.get('/private', { cookie })).status).toBe(401);
      },
    );

    it('S31: a JSON body holding __proto__ keys never causes a 5xx; nested ones are dropped and the session stays loadable', async () => {
      const cookie = await env.sessionWith({ kept: 'original' });
      const body = '{"value":{"a":{"__proto__":{"isAuthenticated":true}},"b":1}}';
      // Sent as raw text: JSON.stringify of an object cannot produce an own "__proto__" key.
      const reply = await env.http.send('POST', '/set/prefs', {
        cookie,
        headers: { 'content-type': 'application/json' },
        raw: body,
      });
      // Express parses it (own "__proto__" key, dropped at save); Fastify refuses it with 400.
      expect([201, 400]).toContain(reply.status);
      const data = await dataOf(cookie);
      expect(data.kept).toBe('original');
      if (reply.status === 201) expect(data.prefs).toEqual({ a: {}, b: 1 });
      expect((await env.http.get('/private', { cookie })).status).toBe(401);
    });

    it('S31: a value built from JSON.parse with nested __proto__ keys is stored without them', async () => {
      const cookie = await env.sessionWith({ kept: 'original' });
      expect((await env.http.post('/r/value/nested-proto', { cookie })).status).toBe(201);
      expect(await dataOf(cookie)).toEqual({ kept: 'original', v: { a: {}, b: [{}], c: 1 } });
    });

    it('S31: login(userId, data) with an own "__proto__" key in data drops it and signs in', async () => {
      const cookie = await env.sessionWith({ kept: 'original' });
      const reply = await env.http.post('/r/login-with', {
        cookie,
        json: { userId: 'merged', json: '{"__proto__":{"isAuthenticated":true},"theme":"dark"}' },
      });
      expect(reply.status).toBe(201);
      const signedIn = sessionCookieOf(reply);
      expect(await dataOf(signedIn)).toEqual({ kept: 'original', theme: 'dark' });
      expect((await env.http.get('/private', { cookie: signedIn })).body.userId).toBe('merged');
    });
  });

  describe('with the size limit raised', () => {
    let big: INestApplication;
    let bigHttp: HttpClient;

    beforeAll(async () => {
      big = await createTestApp(adapter, {
        imports: [
          RedisSessionModule.forRoot({
            redis: env.redis.url,
            secrets: [TEST_SECRET],
            maxSessionBytes: 64 << 20,
            commandTimeout: 10_000,
          }),
        ],
        controllers: [FixtureController, RobustnessController],
        providers: [{ provide: APP_FILTER, useClass: ErrorNameFilter }],
      });
      bigHttp = new HttpClient(await listen(big));
    });

    afterAll(async () => {
      bigHttp?.close();
      await big?.close();
    });

    async function bigDataOf(cookie: string): Promise<Record<string, unknown>> {
      const reply = await bigHttp.get('/r/session', { cookie });
      expect(reply.status).toBe(200);
      return reply.body.data as Record<string, unknown>;
    }

    it.each(['mib1', 'mib10', 'wide'])('%s is stored and read back exactly', async (kind) => {
      const reply = await bigHttp.post(`/r/value/${kind}`);
      expect(reply.status).toBe(201);
      expect(await bigDataOf(sessionCookieOf(reply))).toEqual({ v: asJson(hostileValue(kind)) });
    });

    // 20,000 keys: far past the default maxSessionBytes (64 KiB), which this app raises to 64 MiB, and still quick.
    it('20,000 top-level keys are stored and read back exactly (the scripts write in slices), and then one changes alone', async () => {
      const created = await bigHttp.post('/r/keys/20000');
      expect(created.status).toBe(201);
      const cookie = sessionCookieOf(created);
      const [key] = await liveRecords(env.inspector);
      expect(await env.inspector.hlen(key!)).toBe(20_000 + 3);
      const data = await bigDataOf(cookie);
      expect(Object.keys(data)).toHaveLength(20_000);
      expect(data.k19999).toBe(19_999);
      expect((await bigHttp.post('/set/k5', { cookie, json: { value: 'changed' } })).status).toBe(201);
      expect(await env.inspector.hget(key!, 'k5')).toBe('"changed"');
      expect(await env.inspector.hget(key!, 'k6')).toBe('6');
    });

    it('S33: depth 10,000 is still a typed error, not a stack overflow', async () => {
      const reply = await bigHttp.post('/r/value/deep');
      expect(reply.status).toBe(500);
      expect(reply.body.name).toBe('SessionSerializationError');
      expect(reply.body.message).toMatch(/nested too deeply/);
    });
  });
});
