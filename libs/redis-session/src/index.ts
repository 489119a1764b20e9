// The public API of nest-redis-session: an explicit list. Anything not named here is internal.

export { RedisSessionModule, SessionModule } from './redis-session.module.js';
export type { RedisSessionModuleAsyncOptions, RedisSessionOptionsFactory } from './redis-session.module-definition.js';
export type {
  RedisConnection,
  RedisClusterConnection,
  RedisSessionModuleOptions,
  DeviceRecordingOptions,
  SameSite,
  SessionCookieOptions,
  SessionLimitPolicy,
  SessionStoreKind,
} from './options/redis-session-options.interface.js';
export type { ResolvedCookieOptions, ResolvedSessionOptions } from './options/resolved-session-options.js';
export { REDIS_SESSION_CLIENT, REDIS_SESSION_CLOCK, REDIS_SESSION_OPTIONS } from './redis-session.constants.js';

export { Session } from './decorators/session.decorator.js';
export { Public } from './decorators/public.decorator.js';
export { RecentLogin } from './decorators/recent-login.decorator.js';
export type { LoginOptions, SessionApi, SessionData } from './session/session.interface.js';

export { SessionEvents } from './events/session-events.js';
export type {
  SessionEvent,
  SessionEventType,
  SessionRejection,
  SessionRejectionReason,
} from './events/session-event.interface.js';

export { SessionTelemetry } from './telemetry/session-telemetry.js';
export { REDIS_SESSION_TELEMETRY_LOADER } from './telemetry/telemetry.constants.js';
export type { OpenTelemetryApi, OpenTelemetryApiLoader } from './telemetry/opentelemetry-api.js';

export { AuthGuard, type AuthFailureReason } from './guards/auth.guard.js';
export { SessionInterceptor } from './interceptors/session.interceptor.js';

export { describeUserAgent } from './transport/describe-user-agent.js';

export { SessionRepository } from './store/session.repository.js';
export type { SessionDevice, UserSessionSummary } from './store/session-record.js';

export { RedisSessionError } from './errors/redis-session.error.js';
export { SessionConfigurationError } from './errors/session-configuration.error.js';
export { SessionStoreError } from './errors/session-store.error.js';
export { SessionSerializationError } from './errors/session-serialization.error.js';
export { SessionNotLoadedError } from './errors/session-not-loaded.error.js';
export { SessionUnauthorizedException } from './errors/session-unauthorized.exception.js';
export { SessionStoreUnavailableException } from './errors/session-store-unavailable.exception.js';
export { SessionTooLargeException } from './errors/session-too-large.exception.js';
export { TooManySessionsException } from './errors/too-many-sessions.exception.js';
export { SessionMovedException } from './errors/session-moved.exception.js';
