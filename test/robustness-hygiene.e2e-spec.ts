import type { INestApplication, LoggerService } from '@nestjs/common';
import { RedisSessionModule, SessionStoreError, type RedisSessionModuleOptions } from 'nest-redis-session';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CapturingLogger } from './support/capturing-logger.js';
import { FixtureController } from './support/fixture.controller.js';
import { useRedisServer } from './support/redis-fixture.js';
import { freePort, RedisServer } from './support/redis-server.js';
import { clearsCookie, sessionCookieOf, setCookieFor } from './support/cookies.js';
import { HttpClient, listen, type Reply } from './support/robustness-http.js';
import { hasOpenssl, makeTlsFiles, MonitorCapture, type TlsFiles } from './support/robustness-redis.js';
import { RobustnessController } from './support/robustness.controller.js';
import { ADAPTERS, createTestApp, startupError, TEST_SECRET, type AdapterName } from './support/test-app.js';
import { waitFor } from './support/timing.js';

const COMMAND_TIMEOUT = 300;

/** An app with the fixture and robustness routes, the session module on `options`. */
function createApp(
  adapter: AdapterName,
  options: RedisSessionModuleOptions,
  logger?: LoggerService,
): Promise<INestApplication> {
  return createTestApp(adapter, {
    imports: [RedisSessionModule.forRoot(options)],
    controllers: [FixtureController, RobustnessController],
    logger,
  });
}

/** Every file under a directory, read as latin1 text (the AOF, the RDB, the server log). */
function filesUnder(dir: string): Array<{ path: string; text: string }> {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [{ path, text: readFileSync(path, 'latin1') }];
  });
}

/**
 * Whether this redis-server was built with TLS: Debian's is. A build without it refuses `--tls-port` as a
 * bad directive; one with it, given no port at all, says it is configured to listen nowhere and exits.
 */
function redisHasTls(): boolean {
  const probe = spawnSync('redis-server', ['--port', '0', '--tls-port', '0'], { encoding: 'utf8', timeout: 5_000 });
  return /not listen anywhere/i.test(`${probe.stdout}${probe.stderr}`);
}

const TLS_READY = hasOpenssl() && redisHasTls();

describe.each(ADAPTERS)('robustness: secrets and Redis hygiene on %s', (adapter) => {
  (TLS_READY ? describe : describe.skip)('S38: TLS to Redis (rediss://) verifies the server certificate', () => {
    let tls: TlsFiles;
    let redis: RedisServer;
    let tlsPort: number;

    beforeAll(async () => {
      tls = makeTlsFiles();
      tlsPort = await freePort();
      redis = await RedisServer.start({
        args: [
          '--tls-port',
          String(tlsPort),
          '--tls-cert-file',
          tls.serverCert,
          '--tls-key-file',
          tls.serverKey,
          '--tls-ca-cert-file',
          tls.caCert,
          '--tls-auth-clients',
          'no',
        ],
      });
    });

    afterAll(async () => {
      await redis?.destroy();
      tls?.remove();
    });

    it('refuses a server whose certificate it cannot verify: a rediss:// URL without the CA fails startup clearly', async () => {
      const error = await startupError(adapter, { redis: `rediss://127.0.0.1:${tlsPort}`, secrets: [TEST_SECRET] });
      expect(error).toBeInstanceOf(SessionStoreError);
      expect(String(error)).toMatch(/self[- ]signed certificate|unable to verify|unable to get local issuer/i);
    });

    it('refuses a certificate that does not name the host, even with the right CA', async () => {
      const error = await startupError(adapter, {
        redis: { host: '127.0.0.1', port: tlsPort, tls: { ca: tls.ca, servername: 'not-the-redis.example' } },
        secrets: [TEST_SECRET],
      });
      expect(error).toBeInstanceOf(SessionStoreError);
      expect(String(error)).toMatch(/does not match|altnames/i);
    });

    it('works with the CA: the core flow runs over TLS', async () => {
      const app = await createApp(adapter, {
        redis: { host: '127.0.0.1', port: tlsPort, tls: { ca: tls.ca } },
        secrets: [TEST_SECRET],
      });
      const http = new HttpClient(await listen(app));
      try {
        const signedIn = sessionCookieOf(await http.post('/login', { json: { userId: 'tls' } }));
        expect((await http.post('/set/a', { cookie: signedIn, json: { value: 'over tls' } })).status).toBe(201);
        expect((await http.get('/private', { cookie: signedIn })).body).toEqual({
          userId: 'tls',
          data: { a: 'over tls' },
        });
        expect(clearsCookie(await http.post('/logout', { cookie: signedIn }))).toBe(true);
      } finally {
        http.close();
        await app.close();
      }
    });
  });

  describe('S14, S35: the raw session ID is never in logs, errors, bodies, Redis keys, MONITOR or the AOF', () => {
    const redis = useRedisServer({ args: ['--appendonly', 'yes', '--appendfsync', 'always'], flushBeforeEach: false });

    it('a whole flow (create, write, login, regenerate, log the session, a 500, logout, 401s, a 503) leaks no ID; S15 on every cookie change', async () => {
      const logger = new CapturingLogger();
      const app = await createApp(
        adapter,
        { redis: redis.url, secrets: [TEST_SECRET], commandTimeout: COMMAND_TIMEOUT },
        logger,
      );
      const monitors = [await MonitorCapture.start(redis.server.client())];
      const http = new HttpClient(await listen(app));
      const replies: Reply[] = [];
      const keysSeen = new Set<string>();
      const send = async (method: 'GET' | 'POST', path: string, cookie?: string, json?: object): Promise<Reply> => {
        const reply = await http.send(method, path, { cookie, json });
        replies.push(reply);
        return reply;
      };
      const snapshotKeys = async (): Promise<void> => {
        for (const key of await redis.inspector.keys('*')) keysSeen.add(key);
      };
      try {
        await send('GET', '/r/session');
        const created = sessionCookieOf(await send('POST', '/set/a', undefined, { value: 1 }));
        await send('POST', '/set/b', created, { value: { nested: ['x'] } });
        await snapshotKeys();
        const signedIn = sessionCookieOf(await send('POST', '/login', created, { userId: 'logged-user' }));
        expect((await send('GET', '/private', signedIn)).status).toBe(200);
        const regenerated = sessionCookieOf(await send('POST', '/regenerate', signedIn));
        await snapshotKeys();
        const described = await send('GET', '/r/describe', regenerated);
        expect(described.status).toBe(200);
        expect((await send('GET', '/r/fail', regenerated)).status).toBe(500);
        const tampered = regenerated.slice(0, -1) + (regenerated.endsWith('A') ? 'B' : 'A');
        expect((await send('GET', '/private', tampered)).status).toBe(401);
        expect((await send('GET', '/private', `${regenerated}; ${signedIn}`)).status).toBe(401);
        const logout = await send('POST', '/logout', regenerated);
        expect(clearsCookie(logout)).toBe(true);
        expect((await send('GET', '/private', regenerated)).status).toBe(401);
        expect((await send('GET', '/private', created)).status).toBe(401);

        const beforeOutage = sessionCookieOf(await send('POST', '/login', undefined, { userId: 'outage-user' }));
        await snapshotKeys();
        // A MONITOR connection must not outlive the server: ioredis would reconnect it mid-stream.
        monitors[0]!.stop();
        await redis.server.stop();
        try {
          expect((await send('GET', '/private', beforeOutage)).status).toBe(503);
          expect((await send('POST', '/set/during', beforeOutage, { value: 1 })).status).toBe(503);
        } finally {
          await redis.server.restart();
        }
        monitors.push(await MonitorCapture.start(redis.server.client()));
        await waitFor(
          'the session to be served again',
          async () => (await http.get('/private', { cookie: beforeOutage })).status === 200,
        );
        expect((await send('POST', '/set/after', beforeOutage, { value: 'outage' })).status).toBe(201);
        await snapshotKeys();

        const cookies = replies.flatMap((r) => {
          const header = setCookieFor(r);
          return header === undefined || clearsCookie(r) ? [] : [header.split(';')[0]!.slice('sid='.length)];
        });
        expect(cookies.length).toBeGreaterThanOrEqual(4);
        const secrets = cookies.flatMap((value) => [value, value.split('.')[0]!]);

        // S15: every response that set or cleared the cookie said no-store.
        for (const reply of replies) {
          if (setCookieFor(reply) !== undefined) expect(reply.headers['cache-control']).toBe('no-store');
        }
        // The logger really captured debug output and the outage, so an empty search means something.
        expect(logger.lines.some((l) => l.startsWith('debug') && /ended \(logout\)/.test(l))).toBe(true);
        expect(logger.lines.some((l) => l.startsWith('warn') && /store unavailable/.test(l))).toBe(true);
        expect(logger.lines.some((l) => l.startsWith('error') && /handler failed with session/.test(l))).toBe(true);
        expect(JSON.parse(described.body.json).publicId).toMatch(/^[A-Za-z0-9_-]{22}$/);

        const places: Array<[string, string]> = [
          ['logs', logger.lines.join('\n')],
          ['response bodies', replies.map((r) => r.text).join('\n')],
          [
            'response headers other than Set-Cookie',
            replies.map((r) => JSON.stringify({ ...r.headers, 'set-cookie': undefined })).join('\n'),
          ],
          ['Redis keys', [...keysSeen].join('\n')],
          ['MONITOR', monitors.flatMap((m) => m.lines).join('\n')],
          ...filesUnder(redis.server.dir).map(({ path, text }): [string, string] => [`Redis file ${path}`, text]),
        ];
        expect(places.find(([name]) => name === 'MONITOR')![1].length).toBeGreaterThan(1_000);
        for (const [where, text] of places) {
          for (const secret of secrets) {
            if (text.includes(secret)) throw new Error(`a session ID appears in ${where}`);
          }
        }
      } finally {
        for (const monitor of monitors) monitor.stop();
        http.close();
        await app.close();
      }
    });
  });

  describe('S37: a least-privilege Redis ACL user', () => {
    const redis = useRedisServer({ flushBeforeEach: false });
    /**
     * Every command the module sends (found in `libs/redis-session/src/store/`): EVALSHA to run its
     * scripts, EVAL when Redis forgot them (restart, SCRIPT FLUSH), SCRIPT LOAD at startup; UNLINK, HMGET,
     * ZREM, ZRANGEBYSCORE and ZSCORE directly (logout, device lists, revocation); and inside the scripts
     * TIME, EXISTS, HGET, HGETALL, HMGET, HSET, HSTRLEN, HDEL, DEL, UNLINK, PEXPIRE, PEXPIREAT, PTTL, and
     * ZADD, ZCARD, ZPOPMIN, ZRANGE, ZREM, ZREMRANGEBYSCORE, ZSCORE for the per-user index, GET and SET for
     * its revocation mark. INFO is ioredis's own ready check. Keys: `sess:*` only. No CONFIG, KEYS, SCAN or
     * FLUSH*.
     */
    const NEEDED = [
      '+evalsha',
      '+eval',
      '+script|load',
      '+time',
      '+exists',
      '+get',
      '+set',
      '+hget',
      '+hgetall',
      '+hmget',
      '+hset',
      '+hstrlen',
      '+hdel',
      '+del',
      '+unlink',
      '+pexpire',
      '+pexpireat',
      '+pttl',
      '+zadd',
      '+zcard',
      '+zpopmin',
      '+zrange',
      '+zrangebyscore',
      '+zrem',
      '+zremrangebyscore',
      '+zscore',
      '+info',
    ];
    const user = async (name: string, rules: string[]): Promise<RedisSessionModuleOptions['redis']> => {
      await redis.inspector.call('ACL', 'SETUSER', name, 'reset', 'on', '>acl-password-0123', ...rules);
      return { host: '127.0.0.1', port: redis.port, username: name, password: 'acl-password-0123' };
    };

    it('the core flow works for a user allowed only the commands the module uses, on sess:* keys, with no CONFIG, KEYS or FLUSH*', async () => {
      const connection = await user('sessions', ['~sess:*', 'resetchannels', '-@all', ...NEEDED]);
      await redis.inspector.call('ACL', 'LOG', 'RESET');
      const app = await createApp(adapter, { redis: connection, secrets: [TEST_SECRET] });
      const http = new HttpClient(await listen(app));
      try {
        const created = sessionCookieOf(await http.post('/set/a', { json: { value: 1 } }));
        const signedIn = sessionCookieOf(await http.post('/login', { cookie: created, json: { userId: 'acl' } }));
        expect((await http.get('/private', { cookie: signedIn })).body).toEqual({ userId: 'acl', data: { a: 1 } });
        // Redis forgets the scripts (as after a restart): the module re-sends them with EVAL.
        await redis.inspector.script('FLUSH');
        expect((await http.post('/set/b', { cookie: signedIn, json: { value: 2 } })).status).toBe(201);
        const regenerated = sessionCookieOf(await http.post('/regenerate', { cookie: signedIn }));
        expect(clearsCookie(await http.post('/logout', { cookie: regenerated }))).toBe(true);
        expect((await http.get('/private', { cookie: regenerated })).status).toBe(401);
        // Nothing the module sent was refused (CLIENT SETINFO is ioredis's optional handshake, unknown to Redis 7.0).
        const denied = ((await redis.inspector.call('ACL', 'LOG')) as unknown[][]).map((entry) =>
          String(entry[entry.indexOf('object') + 1]),
        );
        // 'config|get' is the optional maxmemory-policy check (S39): refused, it is skipped without a word.
        expect(denied.filter((command) => command !== 'client' && command !== 'config|get')).toEqual([]);
      } finally {
        http.close();
        await app.close();
      }
    });

    it('S38: a user without SCRIPT LOAD fails startup with a clear error naming the refusal', async () => {
      const connection = await user('no-script-load', [
        '~sess:*',
        '-@all',
        ...NEEDED.filter((c) => c !== '+script|load'),
      ]);
      const error = await startupError(adapter, { redis: connection, secrets: [TEST_SECRET] });
      expect(error).toBeInstanceOf(SessionStoreError);
      expect(String(error)).toMatch(/startup \(connecting to 127\.0\.0\.1:\d+\) failed: NOPERM/);
      expect(String(error)).not.toContain('acl-password-0123');
    });
  });
});
