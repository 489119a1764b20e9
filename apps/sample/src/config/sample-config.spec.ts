import { loadSampleConfig, redactRedisUrl, SampleConfigError } from './sample-config.js';

describe('loadSampleConfig', () => {
  it('defaults to port 3000, Express, the memory store, a generated secret and 3 sessions per user', () => {
    const config = loadSampleConfig({});
    expect(config).toMatchObject({
      port: 3000,
      adapter: 'express',
      redisUrl: undefined,
      secretGenerated: true,
      maxSessionsPerUser: 3,
    });
    expect(config.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(loadSampleConfig({}).sessionSecret).not.toBe(config.sessionSecret);
  });

  it('gives each run with Redis and a random secret its own key prefix, and none otherwise', () => {
    const first = loadSampleConfig({ REDIS_URL: 'redis://127.0.0.1:7000' });
    const second = loadSampleConfig({ REDIS_URL: 'redis://127.0.0.1:7000' });
    expect(first.keyPrefix).toMatch(/^sess:run-[0-9a-f]{8}:$/);
    expect(second.keyPrefix).toMatch(/^sess:run-[0-9a-f]{8}:$/);
    expect(second.keyPrefix).not.toBe(first.keyPrefix);
    // A secret that survives restarts keeps the library's prefix, so sessions survive them too.
    const secret = 'a-session-secret-of-at-least-32-characters';
    expect(loadSampleConfig({ REDIS_URL: 'redis://127.0.0.1:7000', SESSION_SECRET: secret }).keyPrefix).toBeUndefined();
    expect(loadSampleConfig({}).keyPrefix).toBeUndefined();
  });

  it('reads every variable', () => {
    const secret = 'a-session-secret-of-at-least-32-characters';
    expect(
      loadSampleConfig({
        PORT: '8080',
        HTTP_ADAPTER: 'Fastify',
        REDIS_URL: 'redis://127.0.0.1:7000',
        SESSION_SECRET: secret,
        MAX_SESSIONS_PER_USER: '5',
      }),
    ).toEqual({
      port: 8080,
      adapter: 'fastify',
      redisUrl: 'redis://127.0.0.1:7000',
      sessionSecret: secret,
      secretGenerated: false,
      maxSessionsPerUser: 5,
      keyPrefix: undefined,
    });
  });

  it('treats blank variables as unset', () => {
    expect(
      loadSampleConfig({ PORT: ' ', REDIS_URL: '', SESSION_SECRET: '  ', MAX_SESSIONS_PER_USER: ' ' }),
    ).toMatchObject({
      port: 3000,
      redisUrl: undefined,
      secretGenerated: true,
      maxSessionsPerUser: 3,
    });
  });

  it.each(['0', '65536', 'http', '80.5', '-1'])('rejects PORT=%s with a message saying what is expected', (port) => {
    expect(() => loadSampleConfig({ PORT: port })).toThrow(SampleConfigError);
    expect(() => loadSampleConfig({ PORT: port })).toThrow(/PORT must be a whole number from 1 to 65535/);
  });

  it('accepts MAX_SESSIONS_PER_USER=0 as "no limit"', () => {
    expect(loadSampleConfig({ MAX_SESSIONS_PER_USER: '0' }).maxSessionsPerUser).toBe(0);
  });

  it.each(['-1', '2.5', 'three', '10001'])('rejects MAX_SESSIONS_PER_USER=%s', (value) => {
    expect(() => loadSampleConfig({ MAX_SESSIONS_PER_USER: value })).toThrow(
      /MAX_SESSIONS_PER_USER must be a whole number from 0 \(no limit\) to 10000/,
    );
  });

  it('rejects an unknown HTTP_ADAPTER', () => {
    expect(() => loadSampleConfig({ HTTP_ADAPTER: 'koa' })).toThrow(/HTTP_ADAPTER must be "express" or "fastify"/);
  });
});

describe('redactRedisUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactRedisUrl('redis://user:hunter2@cache.internal:6380/2')).toBe('redis://user:***@cache.internal:6380/2');
    expect(redactRedisUrl('rediss://:hunter2@cache.internal')).not.toContain('hunter2');
  });

  it('leaves a URL without a password alone, and never prints one it cannot parse', () => {
    expect(redactRedisUrl('redis://127.0.0.1:7000')).toBe('redis://127.0.0.1:7000');
    expect(redactRedisUrl('not a url :hunter2@')).not.toContain('hunter2');
  });
});
