import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { SessionEvents, type ResolvedSessionOptions } from 'nest-redis-session';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SessionEventsLogger } from './session-events.logger.js';

describe('SessionEventsLogger', () => {
  const options = { maxSessionsPerUser: 3 } as ResolvedSessionOptions;
  let events: SessionEvents;
  let logger: SessionEventsLogger;
  const lines: Array<[level: string, message: string]> = [];

  beforeEach(() => {
    lines.length = 0;
    for (const level of ['log', 'debug', 'verbose'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((message: unknown) => {
        lines.push([level, String(message)]);
      });
    }
    events = new SessionEvents();
    logger = new SessionEventsLogger(events, options);
    logger.onModuleInit();
  });

  afterEach(() => {
    logger.onModuleDestroy();
    jest.restoreAllMocks();
  });

  it('logs an eviction at log level with the public ID and the user', async () => {
    events.emit({ type: 'evicted', publicId: 'P'.repeat(22), userId: 'u-alice', reason: 'session-limit' });
    await nextTurn();
    expect(lines).toEqual([
      [
        'log',
        `signed out session ${'P'.repeat(22)} of user "u-alice": the user signed in on one more device than the 3 ` +
          'allowed (maxSessionsPerUser), so the oldest session ended',
      ],
    ]);
  });

  it('logs the other events at debug level (created at verbose), with reason and previous public ID', async () => {
    events.emit({ type: 'created', publicId: 'new', userId: undefined, reason: undefined });
    events.emit({ type: 'authenticated', publicId: 'b', userId: 'u-bob', reason: undefined, previousPublicId: 'a' });
    events.emit({ type: 'revoked', publicId: 'c', userId: 'u-bob', reason: 'revoke-all' });
    events.emit({ type: 'rejected', publicId: undefined, userId: undefined, reason: 'malformed-cookie' });
    await nextTurn();
    expect(lines).toEqual([
      ['verbose', 'created: session new'],
      ['debug', 'authenticated: session b of user "u-bob", was a'],
      ['debug', 'revoked (revoke-all): session c of user "u-bob"'],
      ['debug', 'rejected (malformed-cookie): session (unnamed: cookie unreadable)'],
    ]);
  });

  it('stops logging once the module is destroyed', async () => {
    logger.onModuleDestroy();
    events.emit({ type: 'destroyed', publicId: 'd', userId: 'u-bob', reason: 'logout' });
    await nextTurn();
    expect(lines).toEqual([]);
  });
});
