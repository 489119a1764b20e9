import type { INestApplication } from '@nestjs/common';
import type { RedisConnection } from 'nest-redis-session';
import request from 'supertest';
import { cookieFrom } from './support/cookies.js';
import { useRedisCluster, type RedisCluster } from './support/redis-cluster.js';
import { onNode } from './support/redis-node.js';
import { COMMAND_TIMEOUT, expectUnavailable, startReplicatedApp, useReplicatedApp } from './support/replicated-app.js';
import { describeSessionCore, publicIdOfCookie, sessionKeyOfCookie } from './support/replicated-core.js';
import { ADAPTERS, createSessionApp, type AdapterName } from './support/test-app.js';
import { waitFor } from './support/timing.js';

type Server = Parameters<typeof request>[0];

const cluster = useRedisCluster();

describeSessionCore('Redis Cluster (3 primaries, 3 replicas)', () => ({
  connection: () => ({ cluster: { nodes: cluster.nodes } }),
  keys: () => cluster.keys(),
  pttl: (key) => cluster.inspector.pttl(key),
  hget: (key, field) => cluster.inspector.hget(key, field),
  flush: () => cluster.flushAll(),
}));

/** How the specifics' apps connect (read once the cluster is up), with the short command timeout. */
const connection = (): RedisConnection => ({ cluster: { nodes: cluster.nodes } });
const quick = { module: { commandTimeout: COMMAND_TIMEOUT } };

describe.each(ADAPTERS)('Redis Cluster specifics on %s', (adapter) => {
  const subject = useReplicatedApp(adapter, connection, quick);

  it('regenerate moves a session to a key on another primary, and it keeps working there', async () => {
    let cookie = cookieFrom(await request(subject.server).post('/login').send({ userId: 'mover' }).expect(201));
    await request(subject.server).post('/set/n').set('Cookie', cookie).send({ value: 1 }).expect(201);
    const first = await cluster.primaryFor(sessionKeyOfCookie(cookie));
    let moved = false;
    // Each new ID lands on another primary with probability 2/3; a few tries make "never" negligible.
    for (let i = 0; i < 12 && !moved; i++) {
      cookie = cookieFrom(await request(subject.server).post('/regenerate').set('Cookie', cookie).expect(201));
      moved = (await cluster.primaryFor(sessionKeyOfCookie(cookie))).port !== first.port;
    }
    expect(moved).toBe(true);
    const me = await request(subject.server).get('/private').set('Cookie', cookie).expect(200);
    expect(me.body).toEqual({ userId: 'mover', data: { n: 1 } });
    await request(subject.server).post('/set/n').set('Cookie', cookie).send({ value: 2 }).expect(201);
    expect((await request(subject.server).get('/key/n').set('Cookie', cookie).expect(200)).body).toEqual({ value: 2 });
  });

  it('follows ASK and then MOVED while the slot of a signed-in session migrates to another primary', async () => {
    const cookie = cookieFrom(await request(subject.server).post('/login').send({ userId: 'resharded' }).expect(201));
    await request(subject.server).post('/set/step').set('Cookie', cookie).send({ value: 'before' }).expect(201);
    const key = sessionKeyOfCookie(cookie);
    const slot = await cluster.keySlot(key);
    const source = await cluster.primaryFor(key);
    const nodes = await cluster.topology();
    const sourceId = nodes.find((n) => n.port === source.port)!.id;
    const target = nodes.find((n) => n.role === 'primary' && !n.failing && n.slots.length > 0 && n.id !== sourceId)!;

    await onNode(target.port, (c) => c.cluster('SETSLOT', slot, 'IMPORTING', sourceId));
    await onNode(source.port, (c) => c.cluster('SETSLOT', slot, 'MIGRATING', target.id));
    // Still on the source: served there.
    await request(subject.server).get('/private').set('Cookie', cookie).expect(200);

    // Every key of the slot moves to the target; the source now answers ASK for them.
    await onNode(source.port, async (c) => {
      const keys = await c.cluster('GETKEYSINSLOT', slot, 100);
      await c.migrate('127.0.0.1', target.port, '', 0, 5_000, 'KEYS', ...keys);
    });
    expect((await request(subject.server).get('/private').set('Cookie', cookie).expect(200)).body.data).toEqual({
      step: 'before',
    });
    await request(subject.server).post('/set/step').set('Cookie', cookie).send({ value: 'during' }).expect(201);
    const commandStats = await onNode(target.port, (c) => c.info('commandstats'));
    expect(commandStats).toMatch(/cmdstat_asking:calls=[1-9]/);

    // The slot now belongs to the target: the source answers MOVED.
    await Promise.all(
      nodes
        .filter((n) => n.role === 'primary' && n.slots.length > 0)
        .map((n) => onNode(n.port, (c) => c.cluster('SETSLOT', slot, 'NODE', target.id))),
    );
    expect((await request(subject.server).get('/private').set('Cookie', cookie).expect(200)).body.data).toEqual({
      step: 'during',
    });
    await request(subject.server).post('/set/step').set('Cookie', cookie).send({ value: 'after' }).expect(201);
    expect((await cluster.primaryFor(key)).port).toBe(target.port);
    expect(await onNode(target.port, (c) => c.hget(key, 'step'))).toBe('"after"');
    await request(subject.server).post('/logout').set('Cookie', cookie).expect(201);
    expect(await cluster.inspector.exists(key)).toBe(0);
    await cluster.waitUntilHealthy();
  });
});

describe.each(ADAPTERS)('waitForReplicas on a cluster, %s', (adapter) => {
  it("sends WAIT to the primary of the session's slot, whose replica then holds the login", async () => {
    const app = await createSessionApp(adapter, { redis: { cluster: { nodes: cluster.nodes } }, waitForReplicas: 1 });
    try {
      const server = app.getHttpServer() as Server;
      const waitCalls = async (port: number) =>
        Number(/cmdstat_wait:calls=(\d+)/.exec(await onNode(port, (c) => c.info('commandstats')))?.[1] ?? 0);
      const primaries = (await cluster.topology()).filter((n) => n.role === 'primary' && n.slots.length > 0);
      const before = new Map(await Promise.all(primaries.map(async (p) => [p.port, await waitCalls(p.port)] as const)));
      const cookie = cookieFrom(
        await request(server)
          .post('/login')
          .send({ userId: `acked-${adapter}` })
          .expect(201),
      );
      const owner = await cluster.primaryFor(sessionKeyOfCookie(cookie));
      for (const p of primaries) {
        const calls = (await waitCalls(p.port)) - before.get(p.port)!;
        if (p.port === owner.port) expect(calls).toBeGreaterThan(0);
      }
      const [replica] = await cluster.replicasOf(owner);
      expect(await existsOnReplica(replica!.port, sessionKeyOfCookie(cookie))).toBe(1);
      await request(server).post('/logout').set('Cookie', cookie).expect(201);
      expect(await existsOnReplica(replica!.port, sessionKeyOfCookie(cookie))).toBe(0);
    } finally {
      await app.close();
    }
  });
});

describe('CLUSTERDOWN: a whole shard lost (primary and replica)', () => {
  const apps: { adapter: AdapterName; app: INestApplication; server: Server; cookie: string }[] = [];

  beforeAll(async () => {
    for (const [adapter] of ADAPTERS) {
      const { app, server } = await startReplicatedApp(adapter, connection(), quick);
      const cookie = cookieFrom(
        await request(server)
          .post('/login')
          .send({ userId: `down-${adapter}` })
          .expect(201),
      );
      apps.push({ adapter, app, server, cookie });
    }
  });

  afterAll(async () => {
    await Promise.all(apps.map(({ app }) => app.close()));
  });

  it('answers 503 quickly without touching the cookie, and the same cookie works once the shard is back', async () => {
    // Take down a shard that holds none of the test sessions: with full coverage required (the
    // default), every node then refuses every key with CLUSTERDOWN.
    const sessionPrimaries = new Set(
      await Promise.all(apps.map(async ({ cookie }) => (await cluster.primaryFor(sessionKeyOfCookie(cookie))).port)),
    );
    const nodes = await cluster.topology();
    const shard = nodes.find((n) => n.role === 'primary' && n.slots.length > 0 && !sessionPrimaries.has(n.port));
    if (!shard) throw new Error('every shard holds a test session; cannot pick another');
    const primary = cluster.serverAt(shard.port);
    const replicas = await cluster.replicasOf(primary);
    await Promise.all([primary, ...replicas].map((server) => cluster.crash(server)));
    await waitForClusterDown(cluster);

    for (const { server, cookie } of apps) {
      await expectUnavailable(server, cookie);
      await request(server).get('/anonymous').expect(200);
    }

    await Promise.all([primary, ...replicas].map((server) => server.restart()));
    await cluster.waitUntilHealthy();
    for (const { adapter, server, cookie } of apps) {
      const me = await request(server).get('/private').set('Cookie', cookie).expect(200);
      expect(me.body.userId).toBe(`down-${adapter}`);
      expect(publicIdOfCookie(cookie)).toHaveLength(22);
    }
  });
});

/** Whether a cluster replica holds a key (a replica redirects reads unless the connection says READONLY). */
async function existsOnReplica(port: number, key: string): Promise<number> {
  return onNode(port, async (c) => {
    await c.call('READONLY');
    return c.exists(key);
  });
}

/** Waits until the running nodes report `cluster_state:fail`. */
async function waitForClusterDown(target: RedisCluster): Promise<void> {
  await waitFor('the cluster to report cluster_state:fail', async () => {
    const states = await Promise.all(
      target.running.map((s) => onNode(s.port, async (c) => await c.cluster('INFO')).catch(() => '')),
    );
    return states.every((info) => info.includes('cluster_state:fail'));
  });
}
