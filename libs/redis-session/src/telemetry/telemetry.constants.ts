/**
 * DI token of the function that loads `@opentelemetry/api` at bootstrap (an `OpenTelemetryApiLoader`):
 * a dynamic `import()` by default. Override it in tests, or to turn telemetry off, with a loader that
 * rejects.
 *
 * @example
 * Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(REDIS_SESSION_TELEMETRY_LOADER)
 *   .useValue(() => Promise.reject(new Error('telemetry off')))
 */
export const REDIS_SESSION_TELEMETRY_LOADER = Symbol('REDIS_SESSION_TELEMETRY_LOADER');

/** Name of the tracer and the meter (the instrumentation scope). */
export const TELEMETRY_SCOPE = 'nest-redis-session';
