import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { startMonitor } from './redis-server.js';

/** One command a client sent to Redis, as `MONITOR` reports it. */
export interface RecordedCommand {
  readonly name: string;
  readonly args: readonly string[];
}

/**
 * Records the commands clients send to a Redis server, through `MONITOR`. Commands run inside Lua
 * scripts are left out, so the count is the number of commands the app sent. `TIME` is left out too: the
 * store measures the server's clock at startup and then every ten seconds in the background, never as
 * part of a request. Exact, unlike timings, so tests may assert it.
 */
export class CommandRecorder {
  private readonly commands: RecordedCommand[] = [];
  private monitor: (Redis & { disconnect(): void }) | undefined;

  private constructor(private readonly inspector: Redis) {}

  /** Starts recording on the server `inspector` is connected to. */
  static async start(inspector: Redis): Promise<CommandRecorder> {
    const recorder = new CommandRecorder(inspector);
    recorder.monitor = await startMonitor(inspector, (args, source) => {
      if (source === 'lua' || String(args[0]).toLowerCase() === 'time') return;
      recorder.commands.push({ name: String(args[0]).toLowerCase(), args: args.slice(1) });
    });
    return recorder;
  }

  /** Waits until every command sent so far has been seen, then returns and forgets them. */
  async take(): Promise<RecordedCommand[]> {
    const marker = `recorder-marker-${randomUUID()}`;
    await this.inspector.echo(marker);
    for (let i = 0; i < 200; i++) {
      const at = this.commands.findIndex((c) => c.name === 'echo' && c.args[0] === marker);
      if (at !== -1) {
        const taken = this.commands.splice(0, at + 1).slice(0, at);
        return taken.filter((c) => !(c.name === 'echo' && String(c.args[0]).startsWith('recorder-marker-')));
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('MONITOR did not deliver the marker');
  }

  /** Forgets what was recorded so far. */
  async reset(): Promise<void> {
    await this.take();
  }

  /** Stops recording and closes both connections. */
  stop(): void {
    this.monitor?.disconnect();
    this.inspector.disconnect();
  }
}
