/**
 * Attack probes on faults: Redis out of memory in the middle of a rotation, rotationGracePeriod 0 under
 * OOM, touchAfter 0 with a forwarded request between two rotation steps, Redis stopped mid-rotation, and
 * an async SessionEvents subscriber. Both adapters, real redis-server.
 */
import { Injectable } from '@nestjs/common';
import { SessionEvents } from 'nest-redis-session';
import { sessionCookieOf, setCookieFor } from './support/cookies.js';
import type { HttpClient } from './support/robustness-http.js';
import { useRobustnessApp } from './support/robustness-app.js';
import { fillUp, indexMembers, liveRecords, unfill } from './support/robustness-redis.js';
import { RotationController } from './support/rotation.controller.js';
import { AttackController, useStepHooks } from './support/attack-kit.js';
import { ADAPTERS } from './support/test-app.js';

/** A typical Nest subscriber: async, awaiting an audit write that fails. */
@Injectable()
class AsyncThrowingSubscriber {
  constructor(events: SessionEvents) {
    // The attack: an async callback, as Nest code often writes them.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    events.ofType('rejected').subscribe(async () => {
      await Promise.resolve();
      throw new Error('audit store down');
    });
  }
}

describe.each(ADAPTERS)('attack: faults during rotations on %s', (adapter) => {
  describe('Redis out of memory between create and index-add (grace 5 s)', () => {
    const app = useRobustnessApp(adapter, { controllers: [RotationController, AttackController] });
    const hooks = useStepHooks(app);
    let http: HttpClient;

    beforeAll(() => {
      http = app.http;
    });

    afterEach(async () => {
      await unfill(app.inspector);
    });

    it('Redis filling up between create and index-add: index-add still runs whole (a script that wrote first may finish), and sign out everywhere ends it', async () => {
      const cookie = sessionCookieOf(await http.post('/login', { json: { userId: 'u1' } }));
      const paused = hooks.pause('indexAdd', 'before');
      const pending = http.post('/regenerate', { cookie });
      await paused.arrived;
      await fillUp(app.inspector);
      paused.release();
      const reply = await pending;
      await unfill(app.inspector);
      // Redis refuses a denyoom command only as a script's first write; index-add's ZREMRANGEBYSCORE comes
      // first, so the swap is never left half-done.
      expect(reply.status).toBe(201);
      expect(await indexMembers(app.inspector)).toHaveLength(1);
      await http.post('/rot/revoke-all/u1');
      expect((await http.get('/private', { cookie: sessionCookieOf(reply) })).status).toBe(401);
      expect((await http.get('/private', { cookie })).status).toBe(401);
    });

    it('a full Redis refuses a regenerate (503) and changes nothing with the default grace period', async () => {
      const cookie = sessionCookieOf(await http.post('/login', { json: { userId: 'u2' } }));
      await fillUp(app.inspector);
      const reply = await http.post('/regenerate', { cookie });
      await unfill(app.inspector);
      expect(reply.status).toBe(503);
      expect((await http.get('/private', { cookie })).status).toBe(200);
    });
  });

  describe('rotationGracePeriod 0 and a full Redis', () => {
    const app = useRobustnessApp(adapter, { module: { rotationGracePeriod: 0 } });

    afterEach(async () => {
      await unfill(app.inspector);
      await app.inspector.flushall();
    });

    it('a regenerate refused by a full Redis (503) changes nothing: the user stays signed in', async () => {
      const cookie = sessionCookieOf(await app.http.post('/login', { json: { userId: 'u3' } }));
      await fillUp(app.inspector);
      const reply = await app.http.post('/regenerate', { cookie });
      await unfill(app.inspector);
      expect(reply.status).toBe(503);
      expect((await app.http.get('/private', { cookie })).status).toBe(200);
    });

    it('a login refused by a full Redis (503) keeps the anonymous cart', async () => {
      const cookie = sessionCookieOf(await app.http.post('/set/cart', { json: { value: ['tea'] } }));
      await fillUp(app.inspector);
      const reply = await app.http.post('/login', { cookie, json: { userId: 'u3' } });
      await unfill(app.inspector);
      expect(reply.status).toBe(503);
      expect((await app.http.get('/key/cart', { cookie })).body).toEqual({ value: ['tea'] });
    });
  });

  describe('touchAfter 0: a request with the old cookie between create and index-add of a regenerate', () => {
    const app = useRobustnessApp(adapter, { controllers: [RotationController], module: { touchAfter: 0 } });
    const hooks = useStepHooks(app);

    it('a write whose read was refreshed only after a regenerate retired it follows the session, and sets no cookie over the browser’s', async () => {
      const cookie = sessionCookieOf(await app.http.post('/login', { json: { userId: 'u6' } }));
      // The write has read the record; its idle-timer refresh waits while the same browser regenerates.
      const paused = hooks.pause('touch', 'before');
      const writing = app.http.post('/set/late', { cookie, json: { value: 1 } });
      await paused.arrived;
      const regenerated = await app.http.post('/regenerate', { cookie });
      expect(regenerated.status).toBe(201);
      const fresh = sessionCookieOf(regenerated);
      paused.release();
      const write = await writing;
      expect(write.status).toBe(201);
      expect(setCookieFor(write)).toBeUndefined();
      // Read again, the write met the tombstone and followed it (same user, within the grace period).
      const mine = await app.http.get('/private', { cookie: fresh });
      expect(mine.status).toBe(200);
      expect(mine.body.data).toMatchObject({ late: 1 });
      expect(await liveRecords(app.inspector)).toHaveLength(1);
    });

    it('a read whose index check comes after a regenerate swapped the member deletes no tombstone and sets no cookie over the new one', async () => {
      const cookie = sessionCookieOf(await app.http.post('/login', { json: { userId: 'u7' } }));
      // The refresh (touch script) and the index check (ZSCORE) are two commands: hold the check until the
      // same browser's regenerate has retired the record and swapped its index member.
      type Score = (userId: string, publicId: string) => Promise<string | null>;
      const indexes = (hooks.repository as unknown as { indexes: { score: Score } }).indexes;
      const original = indexes.score.bind(indexes);
      let arrived!: () => void;
      const arrival = new Promise<void>((resolve) => (arrived = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      indexes.score = async (userId, publicId) => {
        indexes.score = original;
        arrived();
        await released;
        return original(userId, publicId);
      };
      const writing = app.http.post('/set/late', { cookie, json: { value: 1 } });
      await arrival;
      await new Promise((resolve) => setTimeout(resolve, 50)); // the touch script, sent with it, has run
      const regenerated = await app.http.post('/regenerate', { cookie });
      expect(regenerated.status).toBe(201);
      const fresh = sessionCookieOf(regenerated);
      release();
      const write = await writing;
      expect({
        write: write.status,
        writeSetsCookie: setCookieFor(write) !== undefined,
        oldCookie: (await app.http.get('/private', { cookie })).status,
        freshCookie: (await app.http.get('/private', { cookie: fresh })).status,
        records: (await liveRecords(app.inspector)).length,
      }).toEqual({ write: 201, writeSetsCookie: false, oldCookie: 200, freshCookie: 200, records: 1 });
    });

    it('a parallel read with the old cookie neither is refused nor deletes the new session', async () => {
      const cookie = sessionCookieOf(await app.http.post('/login', { json: { userId: 'u4' } }));
      await new Promise((resolve) => setTimeout(resolve, 5));
      const paused = hooks.pause('indexAdd', 'before');
      const pending = app.http.post('/regenerate', { cookie });
      await paused.arrived;
      const parallel = await app.http.get('/rot/view', { cookie });
      paused.release();
      const reply = await pending;
      expect(reply.status).toBe(201);
      const fresh = sessionCookieOf(reply);
      // The user who just regenerated must still be signed in (the parallel read was their own page's).
      const mine = await app.http.get('/private', { cookie: fresh });
      expect({ parallel: parallel.body.rejection, mine: mine.status }).toEqual({ parallel: null, mine: 200 });
    });

    it('a parallel write with the old cookie neither deletes the new session nor sets a cookie over the browser’s', async () => {
      const cookie = sessionCookieOf(await app.http.post('/login', { json: { userId: 'u5' } }));
      await new Promise((resolve) => setTimeout(resolve, 5));
      const paused = hooks.pause('indexAdd', 'before');
      const pending = app.http.post('/regenerate', { cookie });
      // index-add's arguments: (userId, the new publicId, deadline, options)
      const newId = (await paused.arrived)[1] as string;
      const write = await app.http.post('/set/note', { cookie, json: { value: 'from the old cookie' } });
      paused.release();
      const reply = await pending;
      const fresh = setCookieFor(reply) === undefined ? undefined : sessionCookieOf(reply);
      const record = await app.inspector.hgetall(`sess:{${newId}}`);
      expect({
        write: write.status,
        writeSetsCookie: setCookieFor(write) !== undefined,
        newRecordOwner: record['#u'] ?? null,
        freshSignedIn: fresh === undefined ? null : (await app.http.get('/private', { cookie: fresh })).status,
      }).toEqual({ write: 201, writeSetsCookie: false, newRecordOwner: 'u5', freshSignedIn: 200 });
    });
  });

  describe('Redis stopped (SIGSTOP) between create and index-add', () => {
    const app = useRobustnessApp(adapter, { controllers: [RotationController], module: { commandTimeout: 300 } });
    const hooks = useStepHooks(app);

    it('the regenerate gets 503; "sign out everywhere" afterwards still ends whatever the old cookie reaches', async () => {
      const cookie = sessionCookieOf(await app.http.post('/login', { json: { userId: 'u6' } }));
      const paused = hooks.pause('indexAdd', 'before');
      const pending = app.http.post('/regenerate', { cookie });
      await paused.arrived;
      process.kill(app.redis.pid, 'SIGSTOP');
      paused.release();
      const reply = await pending;
      process.kill(app.redis.pid, 'SIGCONT');
      expect(reply.status).toBe(503);
      expect(setCookieFor(reply)).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 100));
      await app.http.post('/rot/revoke-all/u6');
      expect((await app.http.get('/private', { cookie })).status).toBe(401);
      const signedIn: string[] = [];
      for (const key of await liveRecords(app.inspector))
        if ((await app.inspector.hget(key, '#u')) === 'u6') signedIn.push(key);
      expect(signedIn).toEqual([]);
    });
  });

  describe('an async SessionEvents subscriber that rejects (guarantee 7)', () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => {
      rejections.push(reason);
    };

    // Listening from before the app starts until after it closes: hooks run in the order declared.
    beforeAll(() => {
      process.on('unhandledRejection', onRejection);
    });
    const app = useRobustnessApp(adapter, { providers: [AsyncThrowingSubscriber] });
    afterAll(() => {
      process.off('unhandledRejection', onRejection);
    });

    it('a junk cookie never turns it into an unhandled promise rejection: the library catches it', async () => {
      const reply = await app.http.get('/session', { cookie: 'sid=junk' });
      expect(reply.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(rejections.map((r) => (r instanceof Error ? r.message : String(r)))).toEqual([]);
    });
  });
});
