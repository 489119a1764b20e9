import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppStats, ContenderMessage, RunnerMessage } from '../contenders/shared.js';
import type { Contender } from './contenders.js';

/**
 * One contender app in its own Node process, so its garbage collector and event loop never share a core's
 * time slice with another app's or with the load generator's. Talks to it over the IPC channel; when the
 * runner ends in any way, the channel closes and the child exits (see `serve` in contenders/shared.ts).
 */
export class ContenderProcess {
  private readonly pending = new Map<number, (stats: AppStats) => void>();
  private nextId = 0;

  private constructor(
    readonly contender: Contender,
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (message: ContenderMessage) => {
      if (message.type === 'stats') {
        this.pending.get(message.id)?.(message.stats);
        this.pending.delete(message.id);
      }
    });
  }

  /** Starts the contender's app and waits until it listens. */
  static async start(
    contender: Contender,
    entry: string,
    env: NodeJS.ProcessEnv,
    execArgv: readonly string[],
  ): Promise<ContenderProcess> {
    const child = fork(entry, [contender.adapter], {
      env: { ...process.env, NODE_ENV: 'production', ...env },
      execArgv: [...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${contender.id} did not start within 60 s`)), 60_000);
      child.on('message', (message: ContenderMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message.port);
        } else if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`${contender.id} failed to start:\n${message.message}`));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${contender.id} exited with code ${code} before it listened`));
      });
    });
    return new ContenderProcess(contender, child, port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The app process's CPU time and request counts so far. */
  stats(): Promise<AppStats> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, resolve);
      if (!this.child.connected) {
        reject(new Error(`${this.contender.id} is not running`));
        return;
      }
      this.child.send({ type: 'stats', id } satisfies RunnerMessage);
    });
  }

  /**
   * Waits until the app has answered every request it received (the load generator stops with requests in
   * flight), then returns its stats. Gives up waiting after 5 s.
   */
  async settled(): Promise<AppStats> {
    for (let i = 0; ; i++) {
      const stats = await this.stats();
      if (stats.started === stats.finished || i >= 500) return stats;
      await sleep(10);
    }
  }

  /** Asks the app to close, and kills it if it has not exited within 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies RunnerMessage);
    const stopped = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!stopped) this.child.kill('SIGKILL');
  }

  /** Kills the app at once (the runner is failing or interrupted). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
