// nest-redis-session/testing: helpers for an app's own tests. An explicit list.

export { RedisSessionTestingModule } from './redis-session-testing.module.js';
export { SessionTestKit, type TestSession } from './session-test-kit.js';
export { TestClock } from './test-clock.js';
