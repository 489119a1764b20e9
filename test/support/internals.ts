/**
 * The library's internals that some suites reach past the public API for: the store primitives (the
 * store contract, telemetry around them) and the Lua scripts (health checks). The one place tests import
 * library files directly; everything else goes through `nest-redis-session` as an app would.
 */
export { SessionStore } from '../../libs/redis-session/src/store/session-store.js';
export { RedisSessionStore } from '../../libs/redis-session/src/store/redis-session.store.js';
export { MemorySessionStore } from '../../libs/redis-session/src/store/memory-session.store.js';
