/**
 * Sizing figures for docs/scaling.md: Redis memory per session for a few payload sizes, and how many
 * session reads and writes one Redis primary serves. Run from the repository root:
 *
 *   npx nest build redis-session && npx tsc -p bench/tsconfig.bench.json && node dist/bench/scaling/measure.js
 *
 * It starts its own redis-server on a free loopback port (never 6379), writes records through the
 * library's own store (the same Lua scripts and layout an app writes), measures
 * `used_memory` before and after, then replays the exact read and write commands the library sends
 * (captured with MONITOR) with `redis-benchmark` against random existing sessions. Prints Markdown.
 * SCALING_SESSIONS sets how many sessions per payload (default 20000).
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { describeUserAgent, RedisSessionModule } from 'nest-redis-session';
import type { SessionStore } from '../../libs/redis-session/src/store/session-store.js';
import { RedisServer, startMonitor } from '../../test/support/redis-server.js';

const run = promisify(execFile);
const SESSIONS = Number(process.env.SCALING_SESSIONS ?? 20_000);
/** A browser's User-Agent as `login()` stores it by default: "Chrome 131 on Windows". */
const USER_AGENT = describeUserAgent(
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
)!;

/** Session data of about `bytes` bytes of JSON, shaped like an app's: a few small keys and one larger. */
function payload(bytes: number): Map<string, string> {
  const fields = new Map<string, string>([
    ['name', JSON.stringify('Alice Example')],
    ['roles', JSON.stringify(['customer'])],
    ['theme', JSON.stringify('dark')],
  ]);
  const used = [...fields].reduce((sum, [k, v]) => sum + k.length + v.length, 0);
  if (bytes > used) fields.set('cart', JSON.stringify('x'.repeat(Math.max(0, bytes - used - 6))));
  return fields;
}

const PAYLOADS: { label: string; bytes: number; sessions: number }[] = [
  { label: 'minimal: user ID, 3 small keys (~70 B of data)', bytes: 0, sessions: SESSIONS },
  { label: 'small: + a 120 B value (~200 B of data)', bytes: 200, sessions: SESSIONS },
  { label: '1 KiB of data', bytes: 1_024, sessions: SESSIONS },
  { label: '10 KiB of data', bytes: 10_240, sessions: Math.min(SESSIONS, 5_000) },
];

@Module({})
class Empty {}

/**
 * The library's store class, the DI token of its (internal) store, taken from the very build the app
 * imports: records are written under chosen public IDs, which no public API does.
 */
async function storeToken(): Promise<abstract new () => SessionStore> {
  const entry = import.meta.resolve('nest-redis-session');
  const internal = (await import(new URL('./store/session-store.js', entry).href)) as {
    SessionStore: abstract new () => SessionStore;
  };
  return internal.SessionStore;
}

async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

/**
 * Public IDs as long as the library's (22 characters): ten fixed characters and the 12 digits that
 * redis-benchmark's `__rand_int__` stands for.
 */
const ID_HEAD = '0'.repeat(10);
const idOf = (i: number): string => `${ID_HEAD}${String(i).padStart(12, '0')}`;

async function main(): Promise<void> {
  const redis = await RedisServer.start({ removeDirOnExit: true });
  const client = redis.client();
  const app = await NestFactory.createApplicationContext(
    {
      module: Empty,
      imports: [
        RedisSessionModule.forRoot({
          redis: redis.url,
          secrets: ['scaling-measurement-secret-0123456789abcdef'],
          commandTimeout: 10_000,
        }),
      ],
    },
    { logger: false },
  );
  const sessions = app.get(await storeToken());
  const out: string[] = [];
  try {
    out.push(
      `redis-server: ${(await client.info('server')).match(/redis_version:(\S+)/)![1]}, ${SESSIONS} sessions per payload`,
    );
    out.push('');
    out.push('| Payload | `hash-max-listpack-value` | Encoding | Record bytes/session | + per-user index | Total |');
    out.push('| --- | ---: | --- | ---: | ---: | ---: |');
    // The first pass warms up the allocator and the script cache; it is measured again below.
    for (const listpackValue of [0, 64, 1024]) {
      await client.config('SET', 'hash-max-listpack-value', String(listpackValue || 64));
      for (const { label, bytes, sessions: count } of PAYLOADS) {
        if ((listpackValue === 0 && bytes > 0) || (listpackValue === 1024 && bytes > 1_024)) continue;
        console.error(`memory: ${label}, hash-max-listpack-value ${listpackValue}`);
        await client.flushall();
        const before = await usedMemory(client);
        for (let i = 0; i < count; i += 500) {
          await Promise.all(
            Array.from({ length: Math.min(500, count - i) }, (_, j) =>
              sessions.create(idOf(i + j), {
                fields: payload(bytes),
                userId: `user-${i + j}`,
                device: { userAgent: USER_AGENT, ip: '203.0.113.7' },
              }),
            ),
          );
        }
        const records = await usedMemory(client);
        for (let i = 0; i < count; i += 500) {
          await Promise.all(
            Array.from({ length: Math.min(500, count - i) }, (_, j) =>
              sessions.indexAdd(`user-${i + j}`, idOf(i + j), Date.now() + 43_200_000, {
                limit: 0,
                policy: 'evict-oldest',
                authenticatedAt: Date.now(),
              }),
            ),
          );
        }
        const indexed = await usedMemory(client);
        const encoding = await client.object('ENCODING', `sess:{${idOf(0)}}`);
        const record = Math.round((records - before) / count);
        const index = Math.round((indexed - records) / count);
        if (listpackValue === 0) continue;
        out.push(`| ${label} | ${listpackValue} | ${String(encoding)} | ${record} | ${index} | ${record + index} |`);
      }
    }
    await client.config('SET', 'hash-max-listpack-value', '64');

    console.error('throughput');
    // Throughput of one primary: the library's own read and write commands, replayed on random sessions.
    await client.flushall();
    const count = SESSIONS;
    for (let i = 0; i < count; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, count - i) }, (_, j) =>
          sessions.create(idOf(i + j), { fields: payload(200), userId: `user-${i + j}` }),
        ),
      );
    }
    const monitorBase = redis.client();
    const seen: string[][] = [];
    const monitor = await startMonitor(monitorBase, (args, source) => {
      if (source !== 'lua') seen.push(args);
    });
    await sessions.load(idOf(1));
    await sessions.update(idOf(1), { set: new Map([['theme', JSON.stringify('light')]]), remove: [] });
    await client.echo('sync');
    await new Promise((resolve) => setTimeout(resolve, 200));
    monitor.disconnect();
    monitorBase.disconnect();
    // The read is a plain HGETALL (deadlines are judged in the app); the save is the update script.
    const read = seen.find((args) => String(args[0]).toLowerCase() === 'hgetall');
    const write = seen.find((args) => String(args[0]).toLowerCase() === 'evalsha');
    if (!read || !write) throw new Error('did not capture the read and write commands');
    const template = (args: string[]) =>
      args.map((a) => (a === `sess:{${idOf(1)}}` ? `sess:{${ID_HEAD}__rand_int__}` : a));

    out.push('');
    out.push('| Path | Connections × pipeline | Requests/s (one primary) | Redis CPU µs per call |');
    out.push('| --- | --- | ---: | ---: |');
    for (const [name, args] of [
      ['read (`HGETALL`, no touch due)', read],
      ['write (update script, one key changed)', write],
    ] as const) {
      for (const [clients, pipeline] of [
        [50, 1],
        [50, 16],
      ] as const) {
        await client.config('RESETSTAT');
        const { stdout } = await run('redis-benchmark', [
          '-h',
          '127.0.0.1',
          '-p',
          String(redis.port),
          '-c',
          String(clients),
          '-P',
          String(pipeline),
          '-n',
          String(pipeline > 1 ? 400_000 : 100_000),
          '-r',
          String(count),
          '--csv',
          ...template(args),
        ]);
        const rps = Number(/"[^"]*","([\d.]+)"/.exec(stdout.split('\n').slice(-2).join('\n'))?.[1] ?? NaN);
        const stats = await client.info('commandstats');
        const command = String(args[0]).toLowerCase();
        const usec = Number(
          new RegExp(`cmdstat_${command}:calls=\\d+,usec=\\d+,usec_per_call=([\\d.]+)`).exec(stats)?.[1] ?? NaN,
        );
        out.push(
          `| ${name} | ${clients} × ${pipeline} | ${Math.round(rps).toLocaleString('en')} | ${usec.toFixed(1)} |`,
        );
      }
    }
    console.log(out.join('\n'));
  } finally {
    await app.close();
    client.disconnect();
    await redis.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
