import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory, type AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule, type AppSettings } from './app.module.js';
import type { HttpAdapterName } from './config/sample-config.js';

/**
 * What `createSampleApp()` needs: the platform, the store, the secret and, optionally, the session limit,
 * the key prefix and the sign-in rate limit.
 */
export interface SampleAppOptions extends AppSettings {
  /** HTTP platform. @default 'express' */
  readonly adapter?: HttpAdapterName;
  /** Nest's logger setting; `false` silences the app (tests). @default Nest's console logger */
  readonly logger?: NestApplicationOptions['logger'];
}

/**
 * Builds and initialises the sample app, ready to `listen()` or to hand to supertest through
 * `getHttpServer()`. `main.ts` and the end-to-end tests both use it, so the tests run the real app.
 *
 * @example
 * const app = await createSampleApp({ adapter: 'fastify', redisUrl: undefined, sessionSecret });
 * await app.listen(3000);
 */
export async function createSampleApp(options: SampleAppOptions): Promise<INestApplication> {
  const adapter: AbstractHttpAdapter = options.adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(
    AppModule.forRoot({
      redisUrl: options.redisUrl,
      sessionSecret: options.sessionSecret,
      maxSessionsPerUser: options.maxSessionsPerUser,
      keyPrefix: options.keyPrefix,
      signInLimits: options.signInLimits,
    }),
    adapter,
    // Nest aborts the process on a bootstrap error by default; throwing lets main.ts print why and tests fail.
    { abortOnError: false, ...(options.logger === undefined ? {} : { logger: options.logger }) },
  );
  // The session cookie is SameSite=Lax, which keeps other sites from using a signed-in session, but not
  // from posting the sign-in form (login CSRF): reject cross-origin form posts outright.
  app.enableCsrfProtection();
  app.useSecurityHeaders({
    // The sample serves plain HTTP; upgrading the forms' requests to HTTPS would break them. Keep the
    // directive (the default) when the app is served over HTTPS.
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  await app.init();
  if (options.adapter === 'fastify') {
    // Fastify finishes registering routes on ready(); supertest needs them before the first request.
    await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  }
  return app;
}
