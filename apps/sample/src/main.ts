import { Logger } from '@nestjs/common';
import { RedisSessionError } from 'nest-redis-session';
import { loadSampleConfig, redactRedisUrl, SampleConfigError } from './config/sample-config.js';
import { DEMO_ACCOUNTS } from './users/demo-users.js';
import { createSampleApp } from './sample-app.factory.js';

/**
 * Starts the sample. Environment: `PORT` (3000), `HTTP_ADAPTER` (`express` | `fastify`), `REDIS_URL`
 * (unset: in-memory store), `SESSION_SECRET` (unset: a random one for this run), `MAX_SESSIONS_PER_USER`
 * (3; 0 for no limit).
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Sample');
  const config = loadSampleConfig(process.env);
  if (config.secretGenerated) {
    logger.warn(
      'SESSION_SECRET is not set: using a random secret for this run, so every session ends when the app ' +
        'restarts. Set SESSION_SECRET (at least 32 characters) to keep them.',
    );
  }
  if (config.keyPrefix !== undefined) {
    logger.warn(
      `With a random secret, this run keeps its sessions under the Redis key prefix ${config.keyPrefix}: ` +
        "earlier runs' sessions, which no cookie can use any more, are not listed on the Devices page and " +
        'expire on their own.',
    );
  }
  const app = await createSampleApp({
    adapter: config.adapter,
    redisUrl: config.redisUrl,
    sessionSecret: config.sessionSecret,
    maxSessionsPerUser: config.maxSessionsPerUser,
    keyPrefix: config.keyPrefix,
  });
  // Ctrl-C and SIGTERM close the app properly: the session module closes its Redis connection.
  app.enableShutdownHooks();
  await app.listen(config.port);
  const store = config.redisUrl === undefined ? 'in memory' : `in Redis at ${redactRedisUrl(config.redisUrl)}`;
  logger.log(`HTTP adapter: ${config.adapter}. Sessions are kept ${store}.`);
  logger.log(
    config.maxSessionsPerUser === 0
      ? 'A user may be signed in on any number of devices (MAX_SESSIONS_PER_USER=0).'
      : `A user may be signed in on up to ${config.maxSessionsPerUser} devices; one more signs out the oldest ` +
          '(MAX_SESSIONS_PER_USER).',
  );
  const users = DEMO_ACCOUNTS.map((account) => `${account.username} / ${account.password}`).join(', ');
  logger.log(`Open http://localhost:${config.port}/ and sign in as ${users}`);
}

/**
 * What to print when startup fails. A configuration or store error already says what is wrong and how to
 * fix it, so its message (and its cause's) is the whole story; anything else gets its stack.
 */
function describeStartupError(error: unknown): string {
  if (error instanceof SampleConfigError || error instanceof RedisSessionError) {
    const { cause } = error;
    const reason = cause instanceof Error && !error.message.includes(cause.message) ? ` (${cause.message})` : '';
    return `Cannot start: ${error.message}${reason}`;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

bootstrap().catch((error: unknown) => {
  new Logger('Sample').error(describeStartupError(error));
  process.exitCode = 1;
});
