import type { Provider } from '@nestjs/common';
import { SessionEvents } from '../events/session-events.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { REDIS_SESSION_OPTIONS } from '../redis-session.constants.js';
import { loadOpenTelemetryApi, type OpenTelemetryApiLoader } from './opentelemetry-api.js';
import { SessionTelemetry } from './session-telemetry.js';
import { REDIS_SESSION_TELEMETRY_LOADER } from './telemetry.constants.js';

/**
 * The telemetry providers of `RedisSessionModule`. `SessionTelemetry` is an async factory so the API is
 * loaded before the repository is built: the repository is instrumented only when it loaded.
 */
export const telemetryProviders: Provider[] = [
  { provide: REDIS_SESSION_TELEMETRY_LOADER, useValue: loadOpenTelemetryApi },
  {
    provide: SessionTelemetry,
    useFactory: (loader: OpenTelemetryApiLoader, events: SessionEvents, options: ResolvedSessionOptions) =>
      SessionTelemetry.start(loader, events, options),
    inject: [REDIS_SESSION_TELEMETRY_LOADER, SessionEvents, REDIS_SESSION_OPTIONS],
  },
];
