import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './timing.js';

/** The repository's root directory. */
export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** What a finished command did. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of `runCommand` and `startCommand`. */
export interface CommandOptions {
  /** Working directory. @default the repository root */
  readonly cwd?: string;
  /** Added to the test process's environment. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs a command to completion, as a user would type it in the repository (`npx nest build sample`,
 * `npm pack`), and resolves its exit code and output. Never rejects for a non-zero exit: the test says
 * what it expected.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPOSITORY_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/**
 * A long-running command (a server), started in its own process group so that stopping it also stops
 * whatever it spawned (`nest start` runs the app in a child process).
 */
export class RunningCommand {
  private output = '';

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Starts `command`; the caller stops it. */
  static start(command: string, args: readonly string[], options: CommandOptions = {}): RunningCommand {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPOSITORY_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return new RunningCommand(child);
  }

  /** Everything it printed so far (stdout and stderr), without colours. */
  get printed(): string {
    // eslint-disable-next-line no-control-regex
    return this.output.replace(/\x1b\[[0-9;]*m/g, '');
  }

  /** Whether it is still running. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Polls `url` until it answers with `status`; fails with what the command printed when it exits first
   * or `timeoutMs` passes.
   */
  async waitForHttp(url: string, status = 200, timeoutMs = 60_000): Promise<void> {
    let exited = false;
    try {
      await waitFor(
        `${url} to answer ${status}`,
        async () => {
          // Stop waiting at once when the command is gone: it will not answer any more.
          exited = !this.running;
          // A fetch that throws is a server not listening yet.
          return exited || (await fetch(url, { redirect: 'manual' })).status === status;
        },
        { timeoutMs, intervalMs: 200 },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}:\n${this.printed}`, { cause: error });
    }
    if (exited) throw new Error(`the command exited before ${url} answered:\n${this.printed}`);
  }

  /** Stops the whole process group (SIGTERM, then SIGKILL after 5 s) and waits for the command to exit. */
  async stop(): Promise<void> {
    if (!this.running || this.child.pid === undefined) return;
    const exited = new Promise((resolvePromise) => this.child.once('exit', resolvePromise));
    const group = -this.child.pid;
    process.kill(group, 'SIGTERM');
    const killed = setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, 5_000);
    await exited;
    clearTimeout(killed);
  }
}
