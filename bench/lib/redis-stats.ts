import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMonitor } from '../../test/support/redis-server.js';

/** What Redis says about itself at one moment: calls per command, network bytes, CPU seconds. */
export interface RedisSnapshot {
  readonly calls: ReadonlyMap<string, number>;
  readonly netIn: number;
  readonly netOut: number;
  /** CPU seconds, user + system, of the whole server. */
  readonly cpu: number;
}

/** Differences between two snapshots. */
export interface RedisDelta {
  /** Calls per command, as `INFO commandstats` counts them: commands run inside Lua scripts included. */
  readonly calls: Map<string, number>;
  readonly netIn: number;
  readonly netOut: number;
  readonly cpu: number;
}

/** Commands the runner itself sends between two snapshots, left out of every count. */
const RUNNER_COMMANDS = new Set(['info']);

function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** One `INFO` call for everything, so the snapshot itself costs one command. */
export async function snapshot(client: Redis): Promise<RedisSnapshot> {
  const info = parseInfo(await client.info('commandstats', 'stats', 'cpu'));
  const calls = new Map<string, number>();
  for (const [name, value] of info) {
    if (!name.startsWith('cmdstat_')) continue;
    const match = /calls=(\d+)/.exec(value);
    if (match) calls.set(name.slice('cmdstat_'.length), Number(match[1]));
  }
  const number = (name: string): number => Number(info.get(name) ?? 0);
  return {
    calls,
    netIn: number('total_net_input_bytes'),
    netOut: number('total_net_output_bytes'),
    cpu: number('used_cpu_user') + number('used_cpu_sys'),
  };
}

/** What happened between `before` and `after`, without the runner's own `INFO` calls. */
export function deltaOf(before: RedisSnapshot, after: RedisSnapshot): RedisDelta {
  const calls = new Map<string, number>();
  for (const [name, count] of after.calls) {
    if (RUNNER_COMMANDS.has(name)) continue;
    const delta = count - (before.calls.get(name) ?? 0);
    if (delta > 0) calls.set(name, delta);
  }
  return {
    calls,
    netIn: after.netIn - before.netIn,
    netOut: after.netOut - before.netOut,
    cpu: after.cpu - before.cpu,
  };
}

/** How often each command was sent by a client, and how often it ran inside a Lua script. */
export interface CommandOrigins {
  readonly sent: Map<string, number>;
  readonly inScripts: Map<string, number>;
}

/**
 * Calls of a command that clients sent, per request, out of `calls` per request in a timed run, given the
 * census of `requests` requests. A command the census saw only from clients counts whole, one seen only
 * inside scripts not at all; one seen both ways (an update script that reads the whole record only when
 * the data grows, beside the request's own read) counts at the rate the census saw clients send it,
 * because how often a script runs it depends on the data, not on the command.
 */
export function sentPerRequestOf(
  origins: { readonly sent: ReadonlyMap<string, number>; readonly inScripts: ReadonlyMap<string, number> } | undefined,
  requests: number,
  command: string,
  calls: number,
): number {
  const sent = origins?.sent.get(command) ?? 0;
  const nested = origins?.inScripts.get(command) ?? 0;
  if (nested === 0) return calls;
  if (sent === 0) return 0;
  return Math.min(calls, sent / requests);
}

/**
 * Records which commands clients send and which run inside Lua scripts, through `MONITOR`, while `work`
 * runs. `INFO commandstats` counts both alike; this census tells them apart. MONITOR slows Redis down,
 * so it only ever watches a few sequential requests, never a timed run.
 */
export async function commandOrigins(inspector: Redis, work: () => Promise<void>): Promise<CommandOrigins> {
  const sent = new Map<string, number>();
  const inScripts = new Map<string, number>();
  const marker = `bench-census-${randomUUID()}`;
  let markerSeen = false;
  const monitor = await startMonitor(inspector, (args, source) => {
    const name = String(args[0]).toLowerCase();
    if (name === 'echo' && args[1] === marker) {
      markerSeen = true;
      return;
    }
    if (markerSeen) return;
    const into = source === 'lua' ? inScripts : sent;
    into.set(name, (into.get(name) ?? 0) + 1);
  });
  try {
    await work();
    await inspector.echo(marker);
    for (let i = 0; i < 400 && !markerSeen; i++) await sleep(5);
    if (!markerSeen) throw new Error('MONITOR did not deliver the end marker');
  } finally {
    monitor.disconnect();
  }
  return { sent, inScripts };
}

/** Bytes Redis uses for the keys matching a pattern (`MEMORY USAGE`, summed), and how many keys. */
export async function memoryOf(client: Redis, pattern: string): Promise<{ bytes: number; keys: number }> {
  let cursor = '0';
  let bytes = 0;
  let keys = 0;
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    cursor = next;
    for (const key of batch) {
      // SAMPLES 0: every element of a hash or sorted set is counted, not estimated.
      const usage = (await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) as number | null;
      bytes += usage ?? 0;
      keys += 1;
    }
  } while (cursor !== '0');
  return { bytes, keys };
}
