import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What every contender app has in common: the secret, the data a sign-in stores, the padding the scaling
 * runs add, and the child-process side of the protocol with the benchmark runner.
 *
 * Every contender serves the same routes with the same response bodies:
 * - `POST /login`      signs in as a new user: new session ID, `userId`, `name` and `roles` in the session.
 * - `GET /me`          guarded (401 unless signed in): reads the session.
 * - `POST /counter`    guarded: increments `counter` in the session (one key changes).
 * - `GET /public`      never touches the session.
 * - `POST /fill/:kb`   guarded: stores `kb` keys of about 1 KiB each (`b0`, `b1`, ...), for the scaling runs.
 */

/** Cookie-signing secret shared by every contender (bench only). */
export const BENCH_SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** Idle timeout of every contender's sessions, seconds (nest-redis-session's default: 30 min). */
export const IDLE_SECONDS = 1_800;

let users = 0;

/** The next user to sign in, and the profile every contender stores with the login. */
export function nextUser(): { userId: string; name: string; roles: string[] } {
  users += 1;
  const n = String(users).padStart(6, '0');
  return { userId: `user-${n}`, name: `Bench User ${n}`, roles: ['reader'] };
}

/** The key and value of the `index`-th padding block: JSON of about 1 KiB. */
export function paddingBlock(index: number): [string, { i: number; text: string }] {
  return [`b${index}`, { i: index, text: 'x'.repeat(1_000) }];
}

/** Largest `POST /fill/:kb` accepted (nest-redis-session refuses sessions over 64 KiB by default). */
export const MAX_FILL_KB = 60;

/** The `kb` parameter of `POST /fill/:kb`, bounded. */
export function fillSize(kb: string): number {
  const n = Number.parseInt(kb, 10);
  return Number.isInteger(n) && n >= 0 && n <= MAX_FILL_KB ? n : 0;
}

/** Messages the runner sends to a contender. */
export type RunnerMessage = { type: 'stats'; id: number } | { type: 'stop' };

/** Messages a contender sends to the runner. */
export type ContenderMessage =
  | { type: 'ready'; port: number }
  | { type: 'stats'; id: number; stats: AppStats }
  | { type: 'failed'; message: string };

/** CPU time the app's process has used (microseconds) and the HTTP requests it has started and finished. */
export interface AppStats {
  readonly user: number;
  readonly system: number;
  readonly started: number;
  readonly finished: number;
}

function send(message: ContenderMessage): void {
  process.send?.(message);
}

/**
 * Runs a contender in this child process: builds the app, listens on a free loopback port, tells the
 * runner which, answers questions about its CPU time and requests, and exits when told to or when the runner goes away (the IPC
 * channel closes whatever way the parent ends, so no contender outlives the benchmark).
 */
export async function serve(build: () => Promise<INestApplication>): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  try {
    const app = await build();
    await app.listen(0, '127.0.0.1');
    const server = app.getHttpServer() as Server;
    const address = server.address() as AddressInfo;
    // Requests are counted where the app sees them: the load generator stops with requests still in
    // flight, and the Redis commands those cause belong to the run that sent them.
    let started = 0;
    let finished = 0;
    server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
      started += 1;
      response.once('close', () => (finished += 1));
    });
    process.on('message', (message: RunnerMessage) => {
      if (message.type === 'stats') {
        const usage = process.cpuUsage();
        send({ type: 'stats', id: message.id, stats: { user: usage.user, system: usage.system, started, finished } });
      } else if (message.type === 'stop') {
        // Profiles (--cpu-prof) are written on a normal exit, so close and leave.
        void app.close().finally(() => process.exit(0));
      }
    });
    send({ type: 'ready', port: address.port });
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  }
}

/** `express` or `fastify`, from the command line. */
export function adapterArgument(): 'express' | 'fastify' {
  const adapter = process.argv[2];
  if (adapter !== 'express' && adapter !== 'fastify') throw new Error('usage: <contender>.js express|fastify');
  return adapter;
}

/** The Redis URL the runner started. */
export function redisUrl(): string {
  const url = process.env.BENCH_REDIS_URL;
  if (!url) throw new Error('BENCH_REDIS_URL is not set: contenders are started by bench/run.ts');
  return url;
}
