import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

const INSTALL_HINT = 'redis-server was not found. Install it first: sudo apt-get install -y redis-server';

/** `redis-server --version`; fails at once, with the install command, when the binaries are missing. */
export function redisServerVersion(): string {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error(INSTALL_HINT);
  return probe.stdout.trim();
}

/** Fails at once, with the install command, when the binaries are missing. */
export function assertRedisInstalled(): void {
  redisServerVersion();
}

/** A free TCP port on loopback (never 6379: the machine's own Redis lives there). */
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

/** A `redis-server` process under its watchdog shell (see `startUnderShell`). */
export interface ShellOwnedProcess {
  readonly shell: ChildProcess;
  /** The redis-server's own process ID (not the shell's). */
  readonly pid: number;
}

/**
 * Starts `redis-server <args>` under a tiny shell that kills it when the shell's stdin closes, so the server
 * dies with its owner even if the owner is killed (a pipe closes whatever way its owner ends). `cleanUp` runs
 * in the shell after the server exits. After starting the server the shell silences its own stderr: tests
 * that kill -9 a server would otherwise fill the output with the shell's "Killed". The server keeps the
 * inherited stderr.
 */
export async function startUnderShell(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cleanUp?: string } = {},
): Promise<ShellOwnedProcess> {
  const cleanUp = options.cleanUp === undefined ? '' : `; ${options.cleanUp}`;
  const script = `redis-server "$@" & child=$!; exec 2>/dev/null; echo $child; read _ignored; kill $child; wait $child${cleanUp}`;
  const shell = spawn('sh', ['-c', script, 'sh', ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: options.env ?? process.env,
  });
  const pid = await new Promise<number>((resolve, reject) => {
    shell.once('error', reject);
    shell.stdout.once('data', (chunk: Buffer) => resolve(Number.parseInt(chunk.toString(), 10)));
  });
  return { shell, pid };
}

/** Closes the watchdog shell's stdin, so it stops its server, and waits for the shell to exit. */
export async function stopUnderShell(shell: ChildProcess | undefined): Promise<void> {
  if (shell && shell.exitCode === null) {
    const exited = new Promise((resolve) => shell.once('exit', resolve));
    shell.stdin!.end();
    await exited;
  }
}

/** Options for a test Redis. */
export interface RedisServerOptions {
  /** Extra `redis-server` arguments, such as `['--appendonly', 'yes']`. */
  args?: string[];
  /**
   * The shell removes the server's directory as soon as the server exits, so nothing is left behind even
   * when the owner is killed (the benchmark). Such a server cannot `restart()`.
   */
  removeDirOnExit?: boolean;
}

/**
 * A real redis-server on a free loopback port, in its own temporary directory, for one test file (and for
 * the benchmark, which compiles this file with its own).
 *
 * It runs under a tiny shell that kills it when its stdin closes, so the server dies with the test process
 * even if Jest is killed (a pipe closes whatever way its owner ends).
 */
export class RedisServer {
  private shell: ChildProcess | undefined;
  private pidValue: number | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'nrs-redis-'));

  private constructor(
    readonly port: number,
    private readonly options: RedisServerOptions,
  ) {}

  /** Starts a server and waits until it answers PING. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    assertRedisInstalled();
    for (let attempt = 0; ; attempt++) {
      const server = new RedisServer(await freePort(), options);
      try {
        await server.launch();
        return server;
      } catch (error) {
        await server.stop();
        if (attempt >= 4) throw error;
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** PID of the redis-server process (for SIGSTOP/SIGCONT fault injection). */
  get pid(): number {
    if (this.pidValue === undefined) throw new Error('redis-server is not running');
    return this.pidValue;
  }

  /** A new client to inspect the server from a test (the caller closes it). */
  client(): Redis {
    return new Redis(this.port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 1 });
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
      ...(this.options.args ?? []),
    ];
    const started = await startUnderShell(args, {
      env: { ...process.env, NRS_REDIS_DIR: this.dir },
      cleanUp: this.options.removeDirOnExit === true ? 'rm -rf "$NRS_REDIS_DIR"' : undefined,
    });
    this.shell = started.shell;
    this.pidValue = started.pid;
    const probe = this.client();
    probe.on('error', () => undefined);
    try {
      for (let i = 0; i < 100; i++) {
        try {
          if ((await probe.ping()) === 'PONG') return;
        } catch (error) {
          // A server started with --requirepass answers, but refuses PING without AUTH: it is up.
          if (error instanceof Error && /NOAUTH/.test(error.message)) return;
          await sleep(20);
        }
      }
      throw new Error(`redis-server on port ${this.port} did not start`);
    } finally {
      probe.disconnect();
    }
  }

  /** Stops the server and waits for it to exit. */
  async stop(): Promise<void> {
    const shell = this.shell;
    this.shell = undefined;
    this.pidValue = undefined;
    await stopUnderShell(shell);
  }

  /** Stops the server and removes its directory. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Starts it again on the same port and directory (after `stop()`). */
  async restart(): Promise<void> {
    if (this.options.removeDirOnExit === true) throw new Error('a server started with removeDirOnExit cannot restart');
    await this.launch();
  }
}

/**
 * A `MONITOR` connection to the server `client` talks to, monitoring when this resolves; `onCommand` gets
 * every command it reports. Unlike ioredis's own `monitor()`, it cannot fail because another client ran a
 * command while MONITOR was starting: ioredis switches to monitoring only a turn after MONITOR's `OK`, so a
 * line that arrives in the same packet reads to it as a reply to nothing ("Command queue state error").
 * Here that error is dropped, and with it that one line, from before monitoring began.
 */
export async function startMonitor(client: Redis, onCommand: (args: string[], source: string) => void): Promise<Redis> {
  const monitor = client.duplicate({ monitor: true, lazyConnect: true });
  monitor.on('error', () => undefined);
  monitor.on('monitor', (_time: string, args: string[], source: string) => onCommand(args, source));
  let timer: NodeJS.Timeout | undefined;
  const monitoring = new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('MONITOR did not start within 5 s')), 5_000);
    monitor.once('monitoring', () => resolve());
  });
  try {
    await monitor.connect();
    await monitoring;
  } catch (error) {
    monitor.disconnect();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  // A monitor that dies later is noticed by its users: they wait for a marker command that never comes.
  return monitor;
}
