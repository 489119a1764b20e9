import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** A free TCP port on loopback, never 6379 (the machine's own Redis may live there). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port !== 6379 && port !== 0) return port;
  }
}

/** `redis-server --version`, or an error that says how to install it. */
export function redisServerVersion(): string {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('redis-server was not found. Install it first: sudo apt-get install -y redis-server');
  }
  return probe.stdout.trim();
}

/**
 * The benchmark's own redis-server, on a free loopback port, in a temporary directory, with no
 * persistence. Same pattern as test/support/redis-server.ts: it runs under a tiny shell that kills it when
 * its stdin closes, so it dies with the benchmark however the benchmark ends (Ctrl-C, a crash, kill -9).
 */
export class BenchRedis {
  private readonly dir = mkdtempSync(join(tmpdir(), 'nrs-bench-redis-'));
  private shell: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<BenchRedis> {
    redisServerVersion();
    const server = new BenchRedis(await freePort());
    await server.launch();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** A new client for the runner's own measurements (the caller closes it). */
  client(): Redis {
    return new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  }

  private async launch(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--logfile',
      join(this.dir, 'redis.log'),
    ];
    // The shell also removes the directory, so nothing is left behind even when the runner is killed.
    const script =
      'redis-server "$@" & child=$!; read _ignored; kill $child 2>/dev/null; wait $child; rm -rf "$BENCH_REDIS_DIR"';
    this.shell = spawn('sh', ['-c', script, 'sh', ...args], {
      stdio: ['pipe', 'ignore', 'inherit'],
      env: { ...process.env, BENCH_REDIS_DIR: this.dir },
    });
    const probe = this.client();
    probe.on('error', () => undefined);
    try {
      for (let i = 0; i < 200; i++) {
        try {
          if ((await probe.ping()) === 'PONG') return;
        } catch {
          await sleep(25);
        }
      }
      throw new Error(`redis-server on port ${this.port} did not start`);
    } finally {
      probe.disconnect();
    }
  }

  /** Stops the server and removes its directory. */
  async stop(): Promise<void> {
    const shell = this.shell;
    this.shell = undefined;
    if (shell && shell.exitCode === null) {
      const exited = new Promise((resolve) => shell.once('exit', resolve));
      shell.stdin?.end();
      await Promise.race([exited, sleep(5_000)]);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
