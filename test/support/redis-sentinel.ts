import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { assertRedisInstalled, freePort, RedisServer, startUnderShell, stopUnderShell } from './redis-server.js';
import { infoField, onNode, type NodeAddress } from './redis-node.js';
import { waitFor } from './timing.js';

/** What a test Sentinel group is made of. */
export interface RedisSentinelOptions {
  /** Sentinel processes. @default 3 */
  sentinels?: number;
  /** Sentinels that must agree the primary is down. @default 2 */
  quorum?: number;
  /** `down-after-milliseconds`: how long a silent primary takes to be declared down. @default 1000 */
  downAfterMs?: number;
  /** `failover-timeout`. @default 3000 */
  failoverTimeoutMs?: number;
  /** Extra `redis-server` arguments for the primary and the replica. */
  args?: string[];
}

function isRunning(server: RedisServer): boolean {
  try {
    return server.pid > 0;
  } catch {
    return false;
  }
}

/** A Sentinel's view of an instance (`SENTINEL MASTER` / `SENTINEL REPLICAS`), as field → value. */
type InstanceView = Record<string, string>;

/** RESP2 gives a flat field/value list, RESP3 a map: either way, field → value. */
function toView(reply: unknown): InstanceView {
  if (Array.isArray(reply)) {
    const view: InstanceView = {};
    for (let i = 0; i + 1 < reply.length; i += 2) view[String(reply[i])] = String(reply[i + 1]);
    return view;
  }
  if (reply instanceof Map) return Object.fromEntries([...reply].map(([k, v]) => [String(k), String(v)]));
  return Object.fromEntries(Object.entries(reply as object).map(([k, v]) => [k, String(v)]));
}

/**
 * One `redis-server --sentinel` with its own generated config in a temporary directory, under the same
 * watchdog shell as `RedisServer` (`startUnderShell`: it dies when the test process does).
 */
class SentinelServer {
  private shell: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'nrs-sentinel-'));
  readonly configFile = join(this.dir, 'sentinel.conf');

  constructor(
    readonly port: number,
    readonly id: string,
  ) {}

  async launch(config: string): Promise<void> {
    writeFileSync(this.configFile, config);
    this.shell = (await startUnderShell([this.configFile, '--sentinel'])).shell;
    await waitFor(`sentinel on port ${this.port}`, async () => (await onNode(this.port, (c) => c.ping())) === 'PONG');
  }

  async stop(): Promise<void> {
    const shell = this.shell;
    this.shell = undefined;
    await stopUnderShell(shell);
  }

  async destroy(): Promise<void> {
    await this.stop();
    // NRS_KEEP_SENTINEL_LOGS=1 keeps the directory (config and log) for a post-mortem.
    if (process.env.NRS_KEEP_SENTINEL_LOGS !== '1') rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A real Sentinel deployment on loopback for one test file: a primary, a replica, and three Sentinels
 * watching them as `mymaster`. The Sentinels' configs already name each other and the replica (with
 * fixed IDs), so they agree from the first second instead of after a round of discovery. A failover
 * (primary gone, quorum agrees, replica promoted) takes about three seconds.
 */
export class RedisSentinelGroup {
  readonly name = 'mymaster';

  /** The first primary, then the first replica; a failover swaps their roles. */
  readonly servers: RedisServer[] = [];
  private readonly sentinelServers: SentinelServer[] = [];
  private inspectorValue: Redis | undefined;

  /** A group that `start()` brings up (see `useSentinelGroup`). */
  constructor(private readonly options: RedisSentinelOptions = {}) {}

  /** Starts a group; the caller destroys it. */
  static start(options: RedisSentinelOptions = {}): Promise<RedisSentinelGroup> {
    return new RedisSentinelGroup(options).start();
  }

  /** Starts the primary, the replica and the Sentinels, and waits until they agree. */
  async start(): Promise<this> {
    assertRedisInstalled();
    const options = this.options;
    const args = ['--repl-diskless-sync-delay', '0', ...(options.args ?? [])];
    const primary = await RedisServer.start({ args });
    this.servers.push(primary);
    try {
      this.servers.push(await RedisServer.start({ args: [...args, '--replicaof', '127.0.0.1', String(primary.port)] }));
      for (let i = 0; i < (options.sentinels ?? 3); i++) {
        this.sentinelServers.push(new SentinelServer(await freePort(), randomBytes(20).toString('hex')));
      }
      await Promise.all(this.sentinelServers.map((sentinel) => sentinel.launch(this.configFor(sentinel, options))));
      await this.waitUntilHealthy();
      return this;
    } catch (error) {
      await this.destroy();
      throw error;
    }
  }

  /** A client of the test's own on the current primary, through the Sentinels: made on first use, closed by `destroy()`. */
  get inspector(): Redis {
    this.inspectorValue ??= this.client();
    return this.inspectorValue;
  }

  private configFor(sentinel: SentinelServer, options: RedisSentinelOptions): string {
    const [primary, replica] = this.servers;
    const lines = [
      `port ${sentinel.port}`,
      'bind 127.0.0.1',
      `dir ${sentinel.dir}`,
      `logfile ${join(sentinel.dir, 'sentinel.log')}`,
      `sentinel myid ${sentinel.id}`,
      `sentinel monitor ${this.name} 127.0.0.1 ${primary!.port} ${options.quorum ?? 2}`,
      `sentinel down-after-milliseconds ${this.name} ${options.downAfterMs ?? 1_000}`,
      `sentinel failover-timeout ${this.name} ${options.failoverTimeoutMs ?? 3_000}`,
      `sentinel known-replica ${this.name} 127.0.0.1 ${replica!.port}`,
      ...this.sentinelServers
        .filter((other) => other !== sentinel)
        .map((other) => `sentinel known-sentinel ${this.name} 127.0.0.1 ${other.port} ${other.id}`),
    ];
    return `${lines.join('\n')}\n`;
  }

  /** The Sentinels' addresses: what an app passes as `{ sentinels, name }`. */
  get sentinels(): NodeAddress[] {
    return this.sentinelServers.map((s) => ({ host: '127.0.0.1', port: s.port }));
  }

  /** The ioredis options an app connects with. */
  connection(): RedisOptions {
    return { sentinels: this.sentinels, name: this.name };
  }

  /** The server a Sentinel names as the primary now. */
  async primary(): Promise<RedisServer> {
    const [, port] = await onNode(
      this.sentinels[0]!.port,
      (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name) as Promise<[string, string]>,
    );
    const server = this.servers.find((s) => s.port === Number(port));
    if (!server) throw new Error(`Sentinel names an unknown primary on port ${port}`);
    return server;
  }

  /**
   * Waits until every Sentinel names the same primary, which answers as a primary, knows the other
   * Sentinels and lists at least `replicas` replicas it can reach; and that many running servers
   * replicate from that primary with their link up (so a failover would have data). The link is asked
   * of the replicas themselves: a Sentinel refreshes its own view of it only every ten seconds.
   */
  async waitUntilHealthy(replicas = 1, timeoutMs = 20_000): Promise<void> {
    const others = this.sentinelServers.length - 1;
    await this.explainFailure(
      waitFor(
        'a healthy Sentinel group',
        async () => {
          const views = await Promise.all(
            this.sentinelServers.map((s) =>
              onNode(s.port, async (c) => ({
                master: toView(await c.call('SENTINEL', 'MASTER', this.name)),
                replicas: ((await c.call('SENTINEL', 'REPLICAS', this.name)) as unknown[]).map(toView),
              })),
            ),
          );
          const primaries = new Set(views.map((v) => v.master.port));
          if (primaries.size !== 1) return false;
          for (const view of views) {
            if (view.master.flags !== 'master') return false;
            if (Number(view.master['num-other-sentinels']) < others) return false;
            if (view.replicas.filter((r) => r.flags === 'slave').length < replicas) return false;
          }
          const primaryPort = Number([...primaries][0]);
          const role = await onNode(primaryPort, async (c) => infoField(await c.info('replication'), 'role'));
          if (role !== 'master') return false;
          const links = await Promise.all(
            this.servers
              .filter((server) => server.port !== primaryPort && isRunning(server))
              .map((server) =>
                onNode(server.port, async (c) => {
                  const info = await c.info('replication');
                  return (
                    infoField(info, 'master_port') === String(primaryPort) &&
                    infoField(info, 'master_link_status') === 'up'
                  );
                }),
              ),
          );
          return links.filter(Boolean).length >= replicas;
        },
        { timeoutMs },
      ),
    );
  }

  /** Waits until the Sentinels have promoted another server than `former` and it answers as a primary. */
  async waitForFailover(former: RedisServer, timeoutMs = 20_000): Promise<RedisServer> {
    await this.explainFailure(
      waitFor(
        `a failover away from port ${former.port}`,
        async () => {
          const ports = await Promise.all(
            this.sentinelServers.map(async (s) => {
              const [, port] = await onNode(
                s.port,
                (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name) as Promise<[string, string]>,
              );
              return Number(port);
            }),
          );
          if (ports.some((port) => port === former.port) || new Set(ports).size !== 1) return false;
          const role = await onNode(ports[0]!, async (c) => infoField(await c.info('replication'), 'role'));
          return role === 'master';
        },
        { timeoutMs },
      ),
    );
    return this.primary();
  }

  /** Adds the end of every Sentinel's log to a failure: why a failover did not happen is written there. */
  private async explainFailure<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (error) {
      const logs = this.sentinelServers.map((s) => {
        const lines = readFileSync(join(s.dir, 'sentinel.log'), 'utf8').trim().split('\n');
        return `sentinel ${s.port}:\n  ${lines.slice(-12).join('\n  ')}`;
      });
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs.join('\n')}`, {
        cause: error,
      });
    }
  }

  /**
   * Starts a crashed server again as a replica of the current primary (a restarted primary would
   * otherwise come back as an empty primary until the Sentinels convert it), and waits until the group
   * is whole: ready for the next failover.
   */
  async rejoin(server: RedisServer): Promise<void> {
    await server.restart();
    await this.demote(server);
  }

  /**
   * Makes a server that still acts as a primary (the old one after a switchover) a replica of the
   * current primary now, as the Sentinels would after some seconds, and waits until the group is whole.
   */
  async demote(server: RedisServer): Promise<void> {
    const primary = await this.primary();
    await onNode(server.port, (c) => c.replicaof('127.0.0.1', primary.port));
    await this.waitUntilHealthy();
  }

  /** Kills a server at once (SIGKILL), as a crash would. */
  async crash(server: RedisServer): Promise<void> {
    process.kill(server.pid, 'SIGKILL');
    await server.stop();
  }

  /** A client on the current primary, through the Sentinels, for a test to inspect keys with (the caller closes it). */
  client(): Redis {
    const client = new Redis({ ...this.connection(), maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    return client;
  }

  /** Closes the inspector, stops every process and removes their directories. */
  async destroy(): Promise<void> {
    this.inspectorValue?.disconnect();
    this.inspectorValue = undefined;
    await Promise.all([...this.servers, ...this.sentinelServers].map((s) => s.destroy()));
  }
}

/** A `RedisSentinelGroup` for the calling describe block (or file): started before its tests, destroyed after them. */
export function useSentinelGroup(options: RedisSentinelOptions = {}): RedisSentinelGroup {
  const group = new RedisSentinelGroup(options);
  beforeAll(() => group.start());
  afterAll(() => group.destroy());
  return group;
}
