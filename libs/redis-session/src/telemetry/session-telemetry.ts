import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { messageOf } from '../errors/error-message.js';
import type { SessionEvents } from '../events/session-events.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import type { SessionStore } from '../store/session-store.js';
import { instrumentStore } from './instrumented-store.js';
import type { OpenTelemetryApiLoader } from './opentelemetry-api.js';
import { SessionInstruments } from './session-instruments.js';

const logger = new Logger('RedisSession');

/**
 * Whether an error says that `@opentelemetry/api` itself is not installed, rather than that it is there but
 * failed to load (a file of it missing, an incompatible version): only the latter deserves a warning.
 */
function isNotInstalled(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    messageOf(error).includes("'@opentelemetry/api'")
  );
}

/**
 * OpenTelemetry spans and metrics for the session store, through `@opentelemetry/api` when the app has it
 * installed (an optional peer dependency), and nothing at all otherwise. Without an SDK the API itself is
 * a no-op, so an app that installs neither pays next to nothing.
 *
 * Spans: one per store operation (`session.load`, `session.touch`, `session.create`,
 * `session.create_signed_in`, `session.update`, `session.delete`, `session.end`, `session.retire`,
 * `session.restore`, `session.delete_owned`, `session.read_metadata`, `session.index_*`), never with a
 * session ID or public ID. Metrics: `session.loads`, `session.saves`, `session.touches`,
 * `session.bytes_written`, `session.store_unavailable` and `session.rejected`. Tracer and meter are both
 * named `nest-redis-session`.
 */
export class SessionTelemetry implements OnApplicationShutdown {
  private constructor(
    private readonly instruments: SessionInstruments | undefined,
    private readonly subscription: Subscription | undefined,
  ) {}

  /** Loads the API (at bootstrap), creates the instruments and counts rejected cookies from the events. */
  static async start(
    loader: OpenTelemetryApiLoader,
    events: SessionEvents,
    options: ResolvedSessionOptions,
  ): Promise<SessionTelemetry> {
    let instruments: SessionInstruments;
    try {
      instruments = new SessionInstruments(await loader(), options.store);
    } catch (error) {
      // An optional integration the app did not install is not news: most apps have no OpenTelemetry, and
      // Nest's default logger prints debug lines, so even a debug line would greet every one of them.
      if (!isNotInstalled(error)) {
        logger.warn(`OpenTelemetry unavailable, no session spans or metrics: ${messageOf(error)}`);
      }
      return new SessionTelemetry(undefined, undefined);
    }
    const subscription = events.ofType('rejected').subscribe((event) => instruments.recordRejected(event.reason));
    return new SessionTelemetry(instruments, subscription);
  }

  /** Whether `@opentelemetry/api` was loaded (spans and metrics reach an SDK if the app started one). */
  get enabled(): boolean {
    return this.instruments !== undefined;
  }

  /** The store with every operation recorded; the store itself when telemetry is off. */
  instrument<T extends SessionStore>(store: T): T {
    return this.instruments ? instrumentStore(store, this.instruments) : store;
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
