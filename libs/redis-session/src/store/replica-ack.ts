import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { messageOf } from '../errors/error-message.js';
import { hashSlot } from './hash-slot.js';
import type { RedisClient } from './lua-script.js';
import { isClusterClient } from './redis-topology.js';
import { followSwitchovers } from './sentinel-switchover.js';
import { withTimeout } from './with-timeout.js';

const logger = new Logger('RedisSession');

/** A shortfall is logged at most once per this many milliseconds: a replica outage must not flood the log. */
const REPEAT_AFTER = 30_000;

/**
 * The connection that carried the last write to `key`. `WAIT` counts the replicas holding every write
 * made on *its own connection*, so on a cluster it must go to the primary of the key's slot, on the one
 * connection ioredis keeps to that node (a key-less command would go to a random node). `undefined` when
 * the slot map does not know the slot (the cluster is being reconfigured).
 */
function connectionOf(client: RedisClient, key: string): RedisClient | undefined {
  if (!isClusterClient(client)) return client;
  const address = client.slots[hashSlot(key)]?.[0];
  if (address === undefined) return undefined;
  return client.nodes('master').find((node: Redis) => `${node.options.host}:${node.options.port}` === address);
}

/**
 * Waits until `replicas` replicas hold the writes made so far on the connection that wrote `key`, for at
 * most `timeoutMs` (Redis `WAIT`). Resolves how many did; `WAIT` never fails a write, it only reports.
 */
async function waitForReplicaAck(
  client: RedisClient,
  key: string,
  replicas: number,
  timeoutMs: number,
): Promise<number> {
  const connection = connectionOf(client, key);
  if (connection === undefined) return 0;
  return connection.wait(replicas, timeoutMs);
}

/** Resolves once a client can take commands (it may have been created connecting, or lazy). */
function ready(client: RedisClient): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'wait') return client.connect();
  return new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('end', () => reject(new Error('Connection is closed.')));
  });
}

/**
 * Writes that must survive a failover (a login, a logout), with `waitForReplicas`: each runs on a
 * connection of its own, then `WAIT`s until that many replicas hold it, for at most half of
 * `commandTimeout`. The own connection matters: `WAIT` blocks the connection it runs on, and every other
 * request's commands share the main one.
 *
 * Too few replicas in time, or `WAIT` failing, is a warning, never an error: the primary has the write,
 * it cannot be undone, and a replica outage must not stop logins (`min-replicas-to-write` on the server
 * is the hard floor). Without `waitForReplicas`, a write runs on the main connection like any other.
 */
export class ReplicatedWrites {
  private ackClient: RedisClient | undefined;
  private ackConnection: Promise<RedisClient> | undefined;
  private lastWarning = 0;

  /**
   * @param bound how the store bounds a command on the main connection (see `RedisSessionStore`);
   *   the acknowledged path bounds connecting and `WAIT` itself.
   */
  constructor(
    private readonly client: RedisClient,
    private readonly replicas: number | false,
    private readonly commandTimeout: number,
    private readonly bound: <T>(pending: Promise<T>) => Promise<T>,
  ) {}

  /**
   * Runs `write` on the key's record, bounded by `commandTimeout`; when `acknowledge` is set and
   * `changed(reply)` says the write changed something, waits for the replicas.
   */
  async write<T>(
    key: string,
    acknowledge: boolean,
    write: (client: RedisClient) => Promise<T>,
    changed: (reply: T) => boolean,
  ): Promise<T> {
    if (this.replicas === false || !acknowledge) return this.bound(write(this.client));
    const replicas = this.replicas;
    const reply = await withTimeout(
      this.connection().then((connection) => write(connection)),
      this.commandTimeout,
    );
    if (changed(reply)) await this.acknowledged(key, replicas);
    return reply;
  }

  /**
   * The connection for acknowledged writes, opened on first use (and again if it ever ended); it closes
   * when the main client ends.
   */
  private connection(): Promise<RedisClient> {
    if (this.ackClient?.status === 'end') {
      this.ackClient = undefined;
      this.ackConnection = undefined;
    }
    if (this.ackConnection === undefined) {
      // Both client kinds duplicate themselves without arguments; TypeScript cannot call the union's two signatures.
      const duplicate = (this.client as { duplicate(): RedisClient }).duplicate();
      // A login written to an old primary after a switchover would be lost: follow the main client there.
      if (!isClusterClient(duplicate) && !duplicate.options.failoverDetector) followSwitchovers(duplicate);
      duplicate.on('error', () => undefined); // the main client already logs connection problems
      if (this.ackClient === undefined && this.client.status !== 'end') {
        this.client.once('end', () => this.ackClient?.disconnect());
      }
      this.ackClient = duplicate;
      this.ackConnection = ready(duplicate).then(() => duplicate);
      this.ackConnection.catch(() => {
        if (this.ackClient === duplicate) this.ackConnection = undefined;
      });
    }
    return this.ackConnection;
  }

  private async acknowledged(key: string, replicas: number): Promise<void> {
    const timeout = Math.max(1, Math.floor(this.commandTimeout / 2));
    let acknowledged: number | string;
    try {
      const connection = await this.connection();
      acknowledged = await withTimeout(waitForReplicaAck(connection, key, replicas, timeout), this.commandTimeout);
    } catch (error) {
      acknowledged = `none (${messageOf(error)})`;
    }
    if (typeof acknowledged === 'number' && acknowledged >= replicas) return;
    const now = Date.now();
    if (now - this.lastWarning < REPEAT_AFTER) return;
    this.lastWarning = now;
    logger.warn(
      `WAIT: ${acknowledged} of ${replicas} replica(s) acknowledged a login or logout within ${timeout} ms; a failover now could undo it`,
    );
  }
}
