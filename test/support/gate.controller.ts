import { Controller, Param, Post } from '@nestjs/common';
import { Session } from 'nest-redis-session';

/**
 * Holds a request between loading its session and changing it, so a test can act in between (log the
 * user out, say) and then let it finish: the S23 "slow request after logout" race, made deterministic.
 */
export class Gate {
  private arrivedResolve: (() => void) | undefined;
  private openResolve: (() => void) | undefined;
  /** Resolves when a request has loaded its session and is waiting at the gate. */
  arrived = Promise.resolve();
  private opened = Promise.resolve();

  /** Closes the gate for the next request. */
  close(): void {
    this.arrived = new Promise((resolve) => (this.arrivedResolve = resolve));
    this.opened = new Promise((resolve) => (this.openResolve = resolve));
  }

  /** Lets the waiting request go on. */
  open(): void {
    this.openResolve?.();
  }

  /** Called by the route once its session is loaded. */
  async pass(): Promise<void> {
    this.arrivedResolve?.();
    await this.opened;
  }
}

/** The one gate the `GateController` routes wait at. */
export const gate = new Gate();

/** Routes that stop at `gate` after the session was loaded. */
@Controller('gated')
export class GateController {
  @Post('set/:key')
  async set(@Session() session: Session<Record<string, unknown>>, @Param('key') key: string): Promise<object> {
    await gate.pass();
    session.data[key] = 'written after the gate';
    return { ok: true };
  }
}
