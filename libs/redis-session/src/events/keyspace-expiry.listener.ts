import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { messageOf } from '../errors/error-message.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { REDIS_SESSION_CLIENT, REDIS_SESSION_OPTIONS } from '../redis-session.constants.js';
import { PUBLIC_ID_LENGTH } from '../session/session-id.js';
import type { RedisClient } from '../store/lua-script.js';
import { SessionEvents } from './session-events.js';

const EXPIRED_CHANNELS = '__keyevent@*__:expired';

/**
 * With `keyspaceEvents: true`, turns Redis "key expired" notifications for session records into
 * `expired` events (reason `'unseen'`), for sessions that time out while nobody presents them. Subscribes
 * on every primary of a cluster (each node publishes only its own keys' events). It only reads the server's
 * `notify-keyspace-events` setting: when that is off, or `CONFIG` is refused (managed Redis, a
 * least-privilege ACL user), it says so once at startup and carries on without these events.
 */
@Injectable()
export class KeyspaceExpiryListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RedisSession');
  private readonly subscribers: Redis[] = [];
  private readonly recordKey: RegExp;

  constructor(
    @Inject(REDIS_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(REDIS_SESSION_CLIENT) private readonly client: RedisClient | null,
    private readonly events: SessionEvents,
  ) {
    const prefix = options.keyPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.recordKey = new RegExp(`^${prefix}\\{([A-Za-z0-9_-]{${PUBLIC_ID_LENGTH}})\\}$`);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.keyspaceEvents || this.client === null) return;
    const cluster = (this.client as Partial<Cluster>).isCluster === true;
    const nodes = cluster ? (this.client as Cluster).nodes('master') : [this.client as Redis];
    for (const node of nodes) await this.listenOn(node);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.subscribers.splice(0).map((subscriber) => subscriber.quit().catch(() => subscriber.disconnect())),
    );
  }

  private async listenOn(node: Redis): Promise<void> {
    await this.checkServerSetting(node);
    // A subscribed connection can do nothing else, so each node gets a connection of its own.
    const subscriber = node.duplicate({ enableOfflineQueue: true, lazyConnect: false });
    subscriber.on('error', () => undefined);
    subscriber.on('pmessage', (_pattern: string, _channel: string, key: string) => this.onExpired(key));
    this.subscribers.push(subscriber);
    try {
      await subscriber.psubscribe(EXPIRED_CHANNELS);
    } catch (error) {
      this.logger.warn(
        `keyspaceEvents: could not subscribe to expiry notifications (${messageOf(error)}); carrying on without them`,
      );
    }
  }

  private async checkServerSetting(node: Redis): Promise<void> {
    try {
      const reply = await node.config('GET', 'notify-keyspace-events');
      const flags = reply[1] ?? '';
      const keyevents = flags.includes('E');
      const expired = flags.includes('x') || flags.includes('A');
      if (!keyevents || !expired) {
        this.logger.warn(
          `keyspaceEvents: the server's notify-keyspace-events is "${flags}", so it sends no expiry events; ` +
            `set it to include "Ex" (CONFIG SET notify-keyspace-events Ex) to hear of sessions that expire unseen`,
        );
      }
    } catch (error) {
      this.logger.warn(
        `keyspaceEvents: could not read notify-keyspace-events (${messageOf(error)}); expiry events arrive only if the server has them on`,
      );
    }
  }

  private onExpired(key: string): void {
    const match = this.recordKey.exec(key);
    if (match) this.events.emit({ type: 'expired', publicId: match[1], userId: undefined, reason: 'unseen' });
  }
}
