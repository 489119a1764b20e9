import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { assertRedisInstalled, freePort, RedisServer } from './redis-server.js';
import { infoField, onNode, type NodeAddress } from './redis-node.js';
import { started } from './started.js';
import { waitFor } from './timing.js';

const run = promisify(execFile);

/** What a test cluster is made of. */
export interface RedisClusterOptions {
  /** Primaries, each with a share of the 16384 slots. @default 3 */
  primaries?: number;
  /** Replicas per primary. @default 1 */
  replicasPerPrimary?: number;
  /** `cluster-node-timeout`: how long a silent node takes to be declared failed. @default 1000 */
  nodeTimeout?: number;
  /** Extra `redis-server` arguments for every node. */
  args?: string[];
}

/** One node as `CLUSTER NODES` reports it. */
export interface ClusterNodeState {
  readonly id: string;
  readonly port: number;
  readonly role: 'primary' | 'replica';
  /** The primary a replica follows. */
  readonly primaryId: string | undefined;
  /** Flagged `fail` or `fail?` by the node that answered. */
  readonly failing: boolean;
  /** Slot ranges a primary owns, inclusive. */
  readonly slots: readonly (readonly [number, number])[];
}

/** Parses `CLUSTER NODES`. */
export function parseClusterNodes(text: string): ClusterNodeState[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [id, address, flags, primary, , , , , ...slotFields] = line.split(' ');
      const port = Number(address!.split('@')[0]!.split(':').pop());
      const flagList = flags!.split(',');
      const slots = slotFields
        .filter((field) => !field.startsWith('['))
        .map((field) => {
          const [from, to] = field.split('-');
          return [Number(from), Number(to ?? from)] as const;
        });
      return {
        id: id!,
        port,
        role: flagList.includes('master') ? 'primary' : 'replica',
        primaryId: primary === '-' ? undefined : primary,
        failing: flagList.includes('fail') || flagList.includes('fail?'),
        slots,
      };
    });
}

function isRunning(server: RedisServer): boolean {
  try {
    return server.pid > 0;
  } catch {
    return false;
  }
}

/**
 * A real Redis Cluster on loopback for one test file: `primaries` primaries and their replicas, each a
 * `RedisServer` (so each dies with the test process), joined by `redis-cli --cluster create`. Starts in
 * about two seconds. Tests find the node that holds a key with `primaryFor`, crash it with `crash`, and
 * wait for the replica's takeover with `waitUntilHealthy`.
 */
export class RedisCluster {
  private serverList: readonly RedisServer[] = [];
  private settings: Required<Omit<RedisClusterOptions, 'args'>> | undefined;
  private inspectorValue: Cluster | undefined;

  /** A cluster that `start()` brings up (see `useRedisCluster`). */
  constructor(private readonly requested: RedisClusterOptions = {}) {}

  /** Starts a cluster; the caller destroys it. */
  static start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    return new RedisCluster(options).start();
  }

  /** Every node, primaries and replicas (none before `start()`). */
  get servers(): readonly RedisServer[] {
    return this.serverList;
  }

  /** The settings it was started with, defaults filled in. */
  get options(): Required<Omit<RedisClusterOptions, 'args'>> {
    return started(this.settings, 'the Redis Cluster');
  }

  /** A cluster client of the test's own, to inspect keys with: made on first use, closed by `destroy()`. */
  get inspector(): Cluster {
    this.inspectorValue ??= this.client();
    return this.inspectorValue;
  }

  /** Starts the nodes, creates the cluster and waits until every node agrees it is healthy. */
  async start(): Promise<this> {
    assertRedisInstalled();
    assertRedisCliInstalled();
    const options = this.requested;
    const settings = {
      primaries: options.primaries ?? 3,
      replicasPerPrimary: options.replicasPerPrimary ?? 1,
      nodeTimeout: options.nodeTimeout ?? 1_000,
    };
    const count = settings.primaries * (1 + settings.replicasPerPrimary);
    const servers = await Promise.all(Array.from({ length: count }, () => startNode(settings.nodeTimeout, options)));
    this.serverList = servers;
    this.settings = settings;
    try {
      await run(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...servers.map((s) => `127.0.0.1:${s.port}`),
          '--cluster-replicas',
          String(settings.replicasPerPrimary),
          '--cluster-yes',
        ],
        { timeout: 20_000 },
      );
      await this.waitUntilHealthy();
      return this;
    } catch (error) {
      await this.destroy();
      throw error;
    }
  }

  /** Every node's address: what an app passes as `{ cluster: { nodes } }`. */
  get nodes(): NodeAddress[] {
    return this.servers.map((s) => ({ host: '127.0.0.1', port: s.port }));
  }

  /** The server listening on `port`. */
  serverAt(port: number): RedisServer {
    const server = this.servers.find((s) => s.port === port);
    if (!server) throw new Error(`no cluster node on port ${port}`);
    return server;
  }

  /** The servers that are running now. */
  get running(): RedisServer[] {
    return this.servers.filter(isRunning);
  }

  /** The cluster as a running node sees it. */
  async topology(from = this.running[0]!): Promise<ClusterNodeState[]> {
    return parseClusterNodes(await onNode(from.port, (c) => c.cluster('NODES') as Promise<string>));
  }

  /** The slot of a key, as the cluster computes it. */
  async keySlot(key: string): Promise<number> {
    return onNode(this.running[0]!.port, (c) => c.cluster('KEYSLOT', key));
  }

  /** The primary that serves a key now. */
  async primaryFor(key: string): Promise<RedisServer> {
    const slot = await this.keySlot(key);
    const owner = (await this.topology()).find(
      (n) => n.role === 'primary' && !n.failing && n.slots.some(([from, to]) => slot >= from && slot <= to),
    );
    if (!owner) throw new Error(`no healthy primary serves slot ${slot}`);
    return this.serverAt(owner.port);
  }

  /** The replicas of a primary. */
  async replicasOf(primary: RedisServer): Promise<RedisServer[]> {
    const nodes = await this.topology();
    const id = nodes.find((n) => n.port === primary.port)?.id;
    return nodes.filter((n) => n.role === 'replica' && n.primaryId === id).map((n) => this.serverAt(n.port));
  }

  /**
   * Waits until every running node reports `cluster_state:ok`, they all map every slot to the same
   * running primary, and every running replica's link to its primary is up (so a failover has data).
   */
  async waitUntilHealthy(timeoutMs = 20_000): Promise<void> {
    await waitFor(
      'a healthy cluster',
      async () => {
        const running = this.running;
        const ports = new Set(running.map((s) => s.port));
        const views = await Promise.all(
          running.map((server) =>
            onNode(server.port, async (c) => ({
              state: infoField(await c.cluster('INFO'), 'cluster_state'),
              replication: await c.info('replication'),
              nodes: parseClusterNodes((await c.cluster('NODES')) as string),
            })),
          ),
        );
        const signatures = new Set<string>();
        for (const view of views) {
          if (view.state !== 'ok') return false;
          if (infoField(view.replication, 'role') === 'slave') {
            if (infoField(view.replication, 'master_link_status') !== 'up') return false;
          }
          const owners = view.nodes.filter((n) => n.role === 'primary' && n.slots.length > 0);
          let covered = 0;
          for (const owner of owners) {
            if (owner.failing || !ports.has(owner.port)) return false;
            for (const [from, to] of owner.slots) covered += to - from + 1;
          }
          if (covered !== 16384) return false;
          signatures.add(
            owners
              .map((o) => `${o.port}:${o.slots.map(([f, t]) => `${f}-${t}`).join(',')}`)
              .sort()
              .join(' '),
          );
        }
        return signatures.size === 1;
      },
      { timeoutMs },
    );
  }

  /** Kills a node at once (SIGKILL: no goodbye to its peers or clients), as a crash would. */
  async crash(server: RedisServer): Promise<void> {
    process.kill(server.pid, 'SIGKILL');
    await server.stop();
  }

  /** Every key on the running primaries that matches `pattern` (by SCAN, never KEYS). */
  async keys(pattern = '*'): Promise<string[]> {
    const nodes = await this.topology();
    const primaries = nodes.filter((n) => n.role === 'primary' && !n.failing && n.slots.length > 0);
    const found = await Promise.all(
      primaries.map((p) =>
        onNode(p.port, async (c) => {
          const keys: string[] = [];
          let cursor = '0';
          do {
            const [next, batch] = await c.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
            cursor = next;
            keys.push(...batch);
          } while (cursor !== '0');
          return keys;
        }),
      ),
    );
    return found.flat().sort();
  }

  /** Empties every running primary (and so their replicas). */
  async flushAll(): Promise<void> {
    const nodes = await this.topology();
    await Promise.all(
      nodes
        .filter((n) => n.role === 'primary' && !n.failing && this.running.some((s) => s.port === n.port))
        .map((n) => onNode(n.port, (c) => c.flushall())),
    );
  }

  /** A cluster client for a test to inspect keys with (the caller closes it). */
  client(): Cluster {
    const client = new Cluster(this.nodes, { redisOptions: { maxRetriesPerRequest: 1 } });
    client.on('error', () => undefined);
    return client;
  }

  /** Closes the inspector, stops every node and removes their directories. */
  async destroy(): Promise<void> {
    this.inspectorValue?.disconnect();
    this.inspectorValue = undefined;
    await Promise.all(this.servers.map((s) => s.destroy()));
  }
}

/** A `RedisCluster` for the calling describe block (or file): started before its tests, destroyed after them. */
export function useRedisCluster(options: RedisClusterOptions = {}): RedisCluster {
  const cluster = new RedisCluster(options);
  beforeAll(() => cluster.start());
  afterAll(() => cluster.destroy());
  return cluster;
}

/** Fails at once, with the install command, when `redis-cli` is missing. */
function assertRedisCliInstalled(): void {
  const probe = spawnSync('redis-cli', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('redis-cli was not found. Install it first: sudo apt-get install -y redis-tools');
  }
}

/**
 * One cluster node. The bus port is chosen explicitly (`cluster-port`), since the default, port + 10000,
 * may be taken or out of range. Replicas sync without the default five-second diskless delay.
 */
async function startNode(nodeTimeout: number, options: RedisClusterOptions): Promise<RedisServer> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await RedisServer.start({
        args: [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          String(nodeTimeout),
          '--cluster-port',
          String(await freePort()),
          '--repl-diskless-sync-delay',
          '0',
          ...(options.args ?? []),
        ],
      });
    } catch (error) {
      if (attempt >= 2) throw error;
    }
  }
}
