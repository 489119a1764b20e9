import type { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { RedisConnection } from 'nest-redis-session';
import request from 'supertest';
import { cookieFrom, setCookieFor } from './support/cookies.js';
import { infoField, onNode } from './support/redis-node.js';
import { useSentinelGroup } from './support/redis-sentinel.js';
import { RedisServer } from './support/redis-server.js';
import { allKeys } from './support/robustness-redis.js';
import {
  BOUND,
  COMMAND_TIMEOUT,
  expectUnavailable,
  startReplicatedApp,
  useReplicatedApp,
} from './support/replicated-app.js';
import { describeSessionCore, publicIdOfCookie, sessionKeyOfCookie } from './support/replicated-core.js';
import { ADAPTERS } from './support/test-app.js';
import { waitFor } from './support/timing.js';

type Server = Parameters<typeof request>[0];

const group = useSentinelGroup({
  // DEBUG RELOAD and a slow load (100 µs a key, answering clients meanwhile) make LOADING last a second.
  args: [
    '--enable-debug-command',
    'local',
    '--key-load-delay',
    '100',
    '--loading-process-events-interval-bytes',
    '1024',
  ],
});

/** Every key on the current primary, by SCAN. */
async function primaryKeys(): Promise<string[]> {
  const primary = await group.primary();
  return onNode(primary.port, async (c) => (await allKeys(c)).sort());
}

describeSessionCore('Redis Sentinel (1 primary, 1 replica, 3 sentinels)', () => ({
  connection: () => group.connection(),
  keys: primaryKeys,
  pttl: (key) => group.inspector.pttl(key),
  hget: (key, field) => group.inspector.hget(key, field),
  flush: async () => {
    await group.inspector.flushall();
  },
}));

/** How the apps below connect: through the Sentinels, read once the group is up. */
const connection = (): RedisConnection => group.connection();

describe.each(ADAPTERS)('LOADING on %s', (adapter) => {
  const subject = useReplicatedApp(adapter, connection, { module: { commandTimeout: COMMAND_TIMEOUT } });

  afterAll(async () => {
    await group.inspector.flushall();
  });

  it('answers 503 while the primary loads its dataset, without touching the cookie; the same cookie works after', async () => {
    const cookie = cookieFrom(
      await request(subject.server)
        .post('/login')
        .send({ userId: `loader-${adapter}` })
        .expect(201),
    );
    const primary = await group.primary();
    await onNode(primary.port, (c) =>
      c.eval("for i = 1, 5000 do redis.call('SET', 'filler:' .. i, string.rep('x', 64)) end return 1", 0),
    );
    // DEBUG RELOAD saves and reloads the dataset on the connection that asked; every other client, the
    // app's included, gets -LOADING meanwhile.
    const reloading = onNode(primary.port, (c) => c.call('DEBUG', 'RELOAD'), 30_000);
    try {
      await waitFor('the primary to be loading', async () =>
        onNode(primary.port, async (c) => infoField(await c.info('persistence'), 'loading') === '1'),
      );
      await expectUnavailable(subject.server, cookie);
    } finally {
      await reloading;
    }
    expect(await onNode(primary.port, (c) => c.info('errorstats'))).toMatch(/errorstat_LOADING:count=[1-9]/);
    const me = await request(subject.server).get('/private').set('Cookie', cookie).expect(200);
    expect(me.body.userId).toBe(`loader-${adapter}`);
  });
});

describe.each(ADAPTERS)('READONLY on %s: a primary demoted behind a fixed address', (adapter) => {
  let primary: RedisServer;
  let replica: RedisServer;
  let stats: Redis;
  let app: INestApplication;
  let server: Server;

  beforeAll(async () => {
    primary = await RedisServer.start({ args: ['--repl-diskless-sync-delay', '0'] });
    replica = await RedisServer.start({
      args: ['--repl-diskless-sync-delay', '0', '--replicaof', '127.0.0.1', String(primary.port)],
    });
    stats = primary.client();
    ({ app, server } = await startReplicatedApp(adapter, primary.url, { module: { commandTimeout: COMMAND_TIMEOUT } }));
  });

  afterAll(async () => {
    await app?.close();
    stats?.disconnect();
    await Promise.all([primary?.destroy(), replica?.destroy()]);
  });

  /** Makes `to` the primary and `from` its replica, the way a managed service's failover does. */
  async function switchRoles(from: RedisServer, to: RedisServer): Promise<void> {
    await onNode(to.port, (c) => c.replicaof('NO', 'ONE'));
    await onNode(from.port, (c) => c.replicaof('127.0.0.1', to.port));
  }

  it('answers 503 (never 500) to writes, leaves the cookie alone, reconnects, and works again once the node is primary again', async () => {
    const cookie = cookieFrom(
      await request(server)
        .post('/login')
        .send({ userId: `ro-${adapter}` })
        .expect(201),
    );
    await waitFor('the replica to hold the session', async () =>
      onNode(replica.port, async (c) => (await c.dbsize()) >= 1),
    );
    // The app stays connected to the same address while the node behind it becomes a replica, as
    // behind a DNS name or a proxy: its writes now get READONLY.
    await switchRoles(primary, replica);
    const connectionsBefore = Number(infoField(await stats.info('stats'), 'total_connections_received'));
    const write = await request(server).post('/set/k').set('Cookie', cookie).send({ value: 1 });
    expect(write.status).toBe(503);
    expect(setCookieFor(write)).toBeUndefined();
    expect(await stats.info('errorstats')).toMatch(/errorstat_READONLY:count=[1-9]/);
    // READONLY makes the client reconnect (reconnectOnError), so a new primary behind the address is found.
    await waitFor('the app to reconnect', async () => {
      const connections = Number(infoField(await stats.info('stats'), 'total_connections_received'));
      return connections > connectionsBefore;
    });

    await switchRoles(replica, primary);
    await waitFor('writes to work again', async () => {
      const again = await request(server).post('/set/k').set('Cookie', cookie).send({ value: 2 });
      expect([201, 503]).toContain(again.status);
      expect(setCookieFor(again)).toBeUndefined();
      return again.status === 201;
    });
    const me = await request(server).get('/private').set('Cookie', cookie).expect(200);
    expect(me.body).toEqual({ userId: `ro-${adapter}`, data: { k: 2 } });
  });
});

/** How many WAIT commands a server has run. */
async function waitCalls(port: number): Promise<number> {
  const stats = await onNode(port, (c) => c.info('commandstats'));
  return Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

describe.each(ADAPTERS)('waitForReplicas on %s', (adapter) => {
  const subject = useReplicatedApp(adapter, connection, {
    module: { commandTimeout: COMMAND_TIMEOUT, waitForReplicas: 1 },
  });

  it('a login and a logout return only once the replica has them (WAIT on the primary)', async () => {
    const primary = await group.primary();
    const replica = group.servers.find((s) => s !== primary)!;
    const before = await waitCalls(primary.port);
    const cookie = cookieFrom(
      await request(subject.server)
        .post('/login')
        .send({ userId: `acked-${adapter}` })
        .expect(201),
    );
    expect(await waitCalls(primary.port)).toBeGreaterThan(before);
    expect(await onNode(replica.port, (c) => c.exists(sessionKeyOfCookie(cookie)))).toBe(1);

    const beforeLogout = await waitCalls(primary.port);
    await request(subject.server).post('/logout').set('Cookie', cookie).expect(201);
    expect(await waitCalls(primary.port)).toBeGreaterThan(beforeLogout);
    expect(await onNode(replica.port, (c) => c.exists(sessionKeyOfCookie(cookie)))).toBe(0);
  });

  it('a regenerate returns only once the replica has the new record and the old ID’s tombstone (two WAITs)', async () => {
    const primary = await group.primary();
    const replica = group.servers.find((s) => s !== primary)!;
    const cookie = cookieFrom(
      await request(subject.server)
        .post('/login')
        .send({ userId: `rotated-${adapter}` })
        .expect(201),
    );
    const before = await waitCalls(primary.port);
    const rotated = await request(subject.server).post('/regenerate').set('Cookie', cookie).expect(201);
    // One WAIT for the new record, one for the tombstone: losing the latter in a failover would bring the
    // old, signed-in ID back.
    expect((await waitCalls(primary.port)) - before).toBe(2);
    expect(await onNode(replica.port, (c) => c.hget(sessionKeyOfCookie(cookie), '#f'))).toBe(
      publicIdOfCookie(cookieFrom(rotated)),
    );
  });

  it('still signs a user in, within the command timeout, when the replica does not answer', async () => {
    const primary = await group.primary();
    const replica = group.servers.find((s) => s !== primary)!;
    process.kill(replica.pid, 'SIGSTOP');
    try {
      const start = performance.now();
      const login = await request(subject.server)
        .post('/login')
        .send({ userId: `unacked-${adapter}` });
      expect(login.status).toBe(201);
      expect(performance.now() - start).toBeLessThan(BOUND);
      await request(subject.server).get('/private').set('Cookie', cookieFrom(login)).expect(200);
    } finally {
      process.kill(replica.pid, 'SIGCONT');
    }
    await group.waitUntilHealthy();
  });
});
