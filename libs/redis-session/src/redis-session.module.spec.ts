import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { SessionConfigurationError } from './errors/session-configuration.error.js';
import type { RedisSessionModuleOptions } from './options/redis-session-options.interface.js';
import type { ResolvedSessionOptions } from './options/resolved-session-options.js';
import { REDIS_SESSION_CLIENT, REDIS_SESSION_OPTIONS } from './redis-session.constants.js';
import type { RedisSessionOptionsFactory } from './redis-session.module-definition.js';
import { RedisSessionModule, SessionModule } from './redis-session.module.js';
import { MemorySessionStore } from './store/memory-session.store.js';
import { SessionRepository } from './store/session.repository.js';
import { SessionStore } from './store/session-store.js';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const VALID: RedisSessionModuleOptions = { store: 'memory', secrets: [SECRET] };
const SHORT: RedisSessionModuleOptions = { store: 'memory', secrets: ['short'] };

const open: TestingModule[] = [];

async function compile(imports: NonNullable<Parameters<typeof Test.createTestingModule>[0]['imports']>) {
  const moduleRef = await Test.createTestingModule({ imports }).compile();
  open.push(moduleRef);
  return moduleRef;
}

async function rejectionOf(promise: Promise<unknown>): Promise<SessionConfigurationError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SessionConfigurationError);
  return error as SessionConfigurationError;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((moduleRef) => moduleRef.close()));
});

describe('RedisSessionModule', () => {
  it('S9: forRoot with a short secret fails to compile with SessionConfigurationError', async () => {
    const error = await rejectionOf(compile([RedisSessionModule.forRoot(SHORT)]));
    expect(error.problems).toEqual([
      'secrets[0]: got a string of 5 characters, needs a string of at least 32 characters (use 32+ random bytes)',
    ]);
    expect(error.message).not.toContain("'short'");
  });

  it('S11: forRoot with contradictory cookie options fails to compile', async () => {
    const error = await rejectionOf(
      compile([RedisSessionModule.forRoot({ ...VALID, cookie: { name: '__Host-sid', secure: true, path: '/x' } })]),
    );
    expect(error.problems).toEqual([`cookie.path: got "/x", needs '/' with a __Host- cookie name`]);
  });

  it('forRoot with a valid memory-store configuration compiles and provides the resolved options', async () => {
    const moduleRef = await compile([RedisSessionModule.forRoot(VALID)]);
    const options = moduleRef.get<ResolvedSessionOptions>(REDIS_SESSION_OPTIONS);
    expect(options.store).toBe('memory');
    expect(options.idleTimeout).toBe(30 * 60_000);
    expect(moduleRef.get(SessionStore)).toBeInstanceOf(MemorySessionStore);
    expect(moduleRef.get(SessionRepository)).toBeInstanceOf(SessionRepository);
    expect(moduleRef.get(REDIS_SESSION_CLIENT)).toBeNull();
  });

  it('forRootAsync validates what useFactory returns', async () => {
    const error = await rejectionOf(compile([RedisSessionModule.forRootAsync({ useFactory: () => SHORT })]));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^secrets\[0\]: /);
  });

  it('forRootAsync validates what an async useFactory resolves, with injected dependencies', async () => {
    @Injectable()
    class Config {
      readonly idleTimeout = -5;
    }
    @Module({ providers: [Config], exports: [Config] })
    class ConfigModule {}

    const error = await rejectionOf(
      compile([
        RedisSessionModule.forRootAsync({
          imports: [ConfigModule],
          inject: [Config],
          useFactory: (config: Config) => Promise.resolve({ ...VALID, idleTimeout: config.idleTimeout }),
        }),
      ]),
    );
    expect(error.problems).toEqual(['idleTimeout: got -5, needs at least 1000 (one second)']);
  });

  it('forRootAsync with a valid useFactory compiles', async () => {
    const moduleRef = await compile([
      RedisSessionModule.forRootAsync({ useFactory: () => Promise.resolve({ ...VALID, idleTimeout: 60_000 }) }),
    ]);
    expect(moduleRef.get<ResolvedSessionOptions>(REDIS_SESSION_OPTIONS).touchAfter).toBe(6_000);
  });

  it('forRootAsync with useClass validates the options it creates', async () => {
    @Injectable()
    class BadOptions implements RedisSessionOptionsFactory {
      createRedisSessionOptions(): RedisSessionModuleOptions {
        return { ...VALID, keyPrefix: 'sess:*' };
      }
    }
    const error = await rejectionOf(compile([RedisSessionModule.forRootAsync({ useClass: BadOptions })]));
    expect(error.problems).toEqual([
      'keyPrefix: got "sess:*", needs no whitespace, glob characters (* ? [ ] \\) or braces',
    ]);
  });

  it('SessionModule is the same class as RedisSessionModule', () => {
    expect(SessionModule).toBe(RedisSessionModule);
  });
});
