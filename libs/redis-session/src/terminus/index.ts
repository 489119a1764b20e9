// nest-redis-session/terminus: a @nestjs/terminus health indicator. An explicit list. Only this entry
// point imports @nestjs/terminus, an optional peer dependency; the main entry point never does.

export { RedisSessionHealthIndicator, type SessionStoreHealth } from './redis-session.health-indicator.js';
