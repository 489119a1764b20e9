import {
  type DynamicModule,
  type INestApplication,
  type LoggerService,
  type Provider,
  type Type,
} from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { RedisSessionModule, type RedisSessionModuleOptions } from 'nest-redis-session';
import { FixtureController } from './fixture.controller.js';

/** Both HTTP adapters, for `describe.each`: every HTTP behaviour is tested on each. */
export const ADAPTERS: ReadonlyArray<readonly ['express' | 'fastify', () => AbstractHttpAdapter]> = [
  ['express', () => new ExpressAdapter()],
  ['fastify', () => new FastifyAdapter()],
];

export type AdapterName = (typeof ADAPTERS)[number][0];

/** A fresh adapter instance by name. */
export function adapterOf(name: AdapterName): AbstractHttpAdapter {
  return name === 'express' ? new ExpressAdapter() : new FastifyAdapter();
}

/** What a fixture app is made of. */
export interface TestAppDefinition {
  imports: Array<DynamicModule | Type>;
  controllers?: Type[];
  providers?: Provider[];
  /** Where Nest and the library log; `false` (the default) keeps tests quiet. */
  logger?: LoggerService | false;
  /** Providers replaced by a value, as `overrideProvider(token).useValue(value)` does. */
  overrides?: ReadonlyArray<{ provide: unknown; useValue: unknown }>;
  /** Runs on the app before `init()`: what must be set before start-up (a WebSocket adapter). */
  configure?: (app: INestApplication) => void;
}

/**
 * Builds, initialises and readies a Nest app on the given adapter. The caller closes it; on a failed
 * start-up the app is closed here, before the error is passed on.
 */
export async function createTestApp(adapter: AdapterName, definition: TestAppDefinition): Promise<INestApplication> {
  const builder = Test.createTestingModule({
    imports: definition.imports,
    controllers: definition.controllers ?? [],
    providers: definition.providers ?? [],
  });
  for (const { provide, useValue } of definition.overrides ?? []) builder.overrideProvider(provide).useValue(useValue);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication(adapterOf(adapter), { logger: definition.logger ?? false });
  definition.configure?.(app);
  try {
    await app.init();
    if (adapter === 'fastify') {
      await (app.getHttpAdapter().getInstance() as { ready(): Promise<void> }).ready();
    }
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

/** A secret long enough for the module (test only). */
export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop';

/** Options of the session module in a test app: `secrets` may be left out (then `[TEST_SECRET]`). */
export type SessionAppOptions = Omit<RedisSessionModuleOptions, 'secrets'> &
  Partial<Pick<RedisSessionModuleOptions, 'secrets'>>;

/**
 * `createTestApp` with the session module on `options` and, unless `definition` names other controllers,
 * `FixtureController`: the app most suites drive. The caller closes it.
 */
export function createSessionApp(
  adapter: AdapterName,
  options: SessionAppOptions,
  definition: Partial<TestAppDefinition> = {},
): Promise<INestApplication> {
  return createTestApp(adapter, {
    ...definition,
    imports: [RedisSessionModule.forRoot({ secrets: [TEST_SECRET], ...options }), ...(definition.imports ?? [])],
    controllers: definition.controllers ?? [FixtureController],
  });
}

/** Builds and starts an app with only the session module, which must fail to start; resolves what it threw. */
export async function startupError(adapter: AdapterName, options: RedisSessionModuleOptions): Promise<unknown> {
  let app: INestApplication;
  try {
    app = await createTestApp(adapter, { imports: [RedisSessionModule.forRoot(options)] });
  } catch (error) {
    return error;
  }
  await app.close();
  throw new Error('the app started');
}
