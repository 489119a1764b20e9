import type { INestApplication } from '@nestjs/common';
import { SessionRepository } from 'nest-redis-session';
import { SessionStore } from './support/internals.js';
import { startRedis, type TestRedis } from './support/redis-fixture.js';
import { createSessionApp, type SessionAppOptions } from './support/test-app.js';

/**
 * The store primitives that rotation, logout and revocation rest on, run the same way against the Redis
 * store (a real redis-server) and the in-memory one: both must answer alike.
 */
const STORES = ['redis', 'memory'] as const;

const fields = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries));

/** A tombstone that forwards for 5 s (the default grace period). */
const FORWARD = { forwardMs: 5_000, holdMs: 5_000 };
/** `rotationGracePeriod: 0`: a tombstone that never forwards, standing 3 s for racing ends and revokes. */
const NO_FORWARD = { forwardMs: 0, holdMs: 3_000 };

describe.each(STORES)('store contract: %s', (kind) => {
  let redis: TestRedis | undefined;
  let app: INestApplication;
  let store: SessionStore;
  let repository: SessionRepository;
  let next = 0;
  /** A fresh public ID per use: the stores never see one twice. */
  const id = (): string => `contract-${kind}-${++next}`.padEnd(22, 'x');

  beforeAll(async () => {
    const options: SessionAppOptions = { maxSessionBytes: 1_024 };
    if (kind === 'redis') {
      redis = await startRedis();
      options.redis = redis.url;
    } else {
      options.store = 'memory';
    }
    app = await createSessionApp('express', options, { controllers: [] });
    store = app.get(SessionStore);
    repository = app.get(SessionRepository);
  });

  afterAll(async () => {
    await app?.close();
    await redis?.destroy();
  });

  describe('retire, the gate of a rotation', () => {
    it('turns a live record into a tombstone naming both owners, and hands back its data', async () => {
      const [old, successor] = [id(), id()];
      await store.create(old, { fields: fields({ cart: '[1]' }), userId: 'alice' });
      const retired = await store.retire(old, successor, 'alice', FORWARD);
      expect(retired).toMatchObject({ retired: true, fields: fields({ cart: '[1]' }) });
      expect(await store.load(old)).toEqual({
        forward: { to: successor, formerUserId: 'alice', userId: 'alice', forwarding: true },
      });
    });

    it('records an anonymous owner as undefined on either side', async () => {
      const [old, successor] = [id(), id()];
      await store.create(old, { fields: fields({ a: '1' }) });
      await store.retire(old, successor, 'bob', FORWARD);
      expect(await store.load(old)).toEqual({
        forward: { to: successor, formerUserId: undefined, userId: 'bob', forwarding: true },
      });
    });

    it('writes nothing for a record that is gone, and says so', async () => {
      const missing = id();
      expect(await store.retire(missing, id(), undefined, FORWARD)).toEqual({ retired: false });
      expect(await store.load(missing)).toEqual({ missing: 'unknown' });
    });

    it('writes nothing for a record another rotation moved, and says where it went', async () => {
      const [old, first, second] = [id(), id(), id()];
      await store.create(old, { fields: fields({ a: '1' }) });
      await store.retire(old, first, undefined, FORWARD);
      expect(await store.retire(old, second, undefined, FORWARD)).toEqual({ retired: false, movedTo: first });
      expect(await store.load(old)).toMatchObject({ forward: { to: first } });
    });

    it('with no grace period, leaves a tombstone that forwards nothing but still reads as moved', async () => {
      const [old, successor] = [id(), id()];
      await store.create(old, { fields: fields({ a: '1' }), userId: 'jo' });
      expect(await store.retire(old, successor, 'jo', NO_FORWARD)).toMatchObject({ retired: true });
      const notForwarding = { to: successor, formerUserId: 'jo', userId: 'jo', forwarding: false };
      expect(await store.load(old)).toEqual({ forward: notForwarding });
      expect(await store.update(old, { set: fields({ a: '2' }), remove: [] })).toEqual({
        written: false,
        forward: notForwarding,
      });
      expect(await store.retire(old, id(), 'jo', NO_FORWARD)).toEqual({ retired: false, movedTo: successor });
      expect(await store.end(old)).toEqual({ movedTo: successor });
      expect(await store.deleteOwned(old, 'jo')).toEqual({ deleted: false, movedTo: successor });
    });

    it('restores a retired record while its tombstone names the successor, and never after', async () => {
      const [old, successor] = [id(), id()];
      await store.create(old, { fields: fields({ cart: '[1]' }), userId: 'kim' });
      const retired = await store.retire(old, successor, 'kim', FORWARD);
      if (!retired.retired) throw new Error('not retired');
      expect(await store.restore(old, id(), retired.snapshot)).toBe(false);
      expect(await store.restore(old, successor, retired.snapshot)).toBe(true);
      expect((await store.load(old)).record).toMatchObject({ userId: 'kim', fields: fields({ cart: '[1]' }) });
      expect(await store.restore(old, successor, retired.snapshot)).toBe(false);
    });
  });

  describe('end (logout, destroy)', () => {
    it('deletes a live record, reports an absent one, and leaves a tombstone and its successor alone', async () => {
      const [live, old, successor] = [id(), id(), id()];
      await store.create(live, { fields: fields({ a: '1' }) });
      expect(await store.end(live)).toBe('ended');
      expect(await store.end(live)).toBe('absent');

      await store.create(old, { fields: fields({ a: '1' }), userId: 'carol' });
      await store.retire(old, successor, 'carol', FORWARD);
      await store.create(successor, { fields: fields({ a: '1' }), userId: 'carol' });
      expect(await store.end(old)).toEqual({ movedTo: successor });
      expect(await store.load(old)).toMatchObject({ forward: { to: successor } });
      expect(await store.load(successor)).toHaveProperty('record');
    });
  });

  describe('deleteOwned (revoke)', () => {
    it('deletes only the owner’s record, and follows a same-user tombstone without deleting through it', async () => {
      const [mine, old, successor, switched] = [id(), id(), id(), id()];
      await store.create(mine, { fields: fields({}), userId: 'dave' });
      expect(await store.deleteOwned(mine, 'erin')).toEqual({ deleted: false });
      expect(await store.deleteOwned(mine, 'dave')).toEqual({ deleted: true });

      await store.create(old, { fields: fields({}), userId: 'dave' });
      await store.retire(old, successor, 'dave', FORWARD);
      expect(await store.deleteOwned(old, 'dave')).toEqual({ deleted: false, movedTo: successor });

      // A move into another user's login is never followed by the former owner's revoke.
      await store.create(switched, { fields: fields({}), userId: 'dave' });
      await store.retire(switched, id(), 'erin', FORWARD);
      expect(await store.deleteOwned(switched, 'dave')).toEqual({ deleted: false });
    });
  });

  describe('update', () => {
    it('points a save at a tombstone to where the session went, with both owners', async () => {
      const [old, successor] = [id(), id()];
      await store.create(old, { fields: fields({ a: '1' }) });
      await store.retire(old, successor, 'frank', FORWARD);
      expect(await store.update(old, { set: fields({ a: '2' }), remove: [] })).toEqual({
        written: false,
        forward: { to: successor, formerUserId: undefined, userId: 'frank', forwarding: true },
      });
    });

    it('refuses a write that grows the data past maxSessionBytes, counting what others stored', async () => {
      const session = id();
      await store.create(session, { fields: fields({ one: JSON.stringify('x'.repeat(600)) }) });
      const grown = await store.update(session, { set: fields({ two: JSON.stringify('y'.repeat(600)) }), remove: [] });
      expect(grown).toEqual({ written: false, tooLarge: 3 + 602 + 3 + 602 });
      expect((await store.load(session)).record?.fields).toEqual(fields({ one: JSON.stringify('x'.repeat(600)) }));
    });

    it('lets a record over the limit shrink, and refuses it to grow', async () => {
      const session = id();
      await store.create(session, { fields: fields({ big: JSON.stringify('x'.repeat(2_000)) }) });
      expect(await store.update(session, { set: fields({ more: '1' }), remove: [] })).toMatchObject({
        written: false,
        tooLarge: expect.any(Number) as number,
      });
      const smaller = JSON.stringify('x'.repeat(1_500));
      expect(await store.update(session, { set: fields({ big: smaller }), remove: [] })).toEqual({ written: true });
      expect(await store.update(session, { set: fields({}), remove: ['big'] })).toEqual({ written: true });
      expect(await store.update(session, { set: fields({ more: '1' }), remove: [] })).toEqual({ written: true });
    });
  });

  // The Redis store takes both steps in one script on a single server; SessionStore's own createSignedIn
  // takes them one after the other (as the Redis store does on a cluster). Both must answer alike.
  describe.each([
    ['in one step', (): SessionStore['createSignedIn'] => store.createSignedIn.bind(store)],
    ['in two steps', (): SessionStore['createSignedIn'] => SessionStore.prototype.createSignedIn.bind(store)],
  ] as const)('createSignedIn, a login’s record and index entry, %s', (steps, createSignedIn) => {
    /** A user of this block's own: the two blocks share the store. */
    const user = (name: string): string => `${name}-${steps}`;
    const NO_LIMIT = { limit: 0, policy: 'evict-oldest' } as const;

    it('writes the record and indexes it under its deadline', async () => {
      const session = id();
      const result = await createSignedIn()(
        session,
        { fields: fields({ cart: '[1]' }), userId: user('nia') },
        NO_LIMIT,
      );
      expect(result).toMatchObject({ created: true, indexed: { added: true, evicted: [] } });
      const loaded = await store.load(session);
      expect(loaded.record).toMatchObject({ userId: user('nia'), fields: fields({ cart: '[1]' }) });
      expect(await store.indexHas(user('nia'), session)).toBe(true);
    });

    it('writes nothing where a record exists, and indexes nothing', async () => {
      const session = id();
      await store.create(session, { fields: fields({ mine: '1' }) });
      expect(await createSignedIn()(session, { fields: fields({}), userId: user('omar') }, NO_LIMIT)).toEqual({
        created: false,
      });
      expect((await store.load(session)).record).toMatchObject({ userId: undefined, fields: fields({ mine: '1' }) });
      expect(await store.indexMembers(user('omar'))).toEqual([]);
    });

    it('leaves no record when "sign out everywhere" ran after the login it carries', async () => {
      const session = id();
      await store.indexTake(user('pia'));
      const record = { fields: fields({}), userId: user('pia'), authenticatedAt: Date.now() - 5_000 };
      expect(await createSignedIn()(session, record, NO_LIMIT)).toMatchObject({
        created: true,
        indexed: { added: false, refused: 'revoked' },
      });
      expect(await store.load(session)).toEqual({ missing: 'unknown' });
      expect(await store.indexMembers(user('pia'))).toEqual([]);
    });

    it('leaves no record when the member it replaces is gone', async () => {
      const session = id();
      const result = await createSignedIn()(
        session,
        { fields: fields({}), userId: user('quin') },
        {
          ...NO_LIMIT,
          replaces: id(),
        },
      );
      expect(result).toMatchObject({ created: true, indexed: { added: false, refused: 'replaced-gone' } });
      expect(await store.load(session)).toEqual({ missing: 'unknown' });
    });

    it('at the limit: under reject leaves no record; under evict-oldest names the evicted', async () => {
      const [first, second, third] = [id(), id(), id()];
      const login = (session: string, policy: 'reject' | 'evict-oldest') =>
        createSignedIn()(session, { fields: fields({}), userId: user('ray') }, { limit: 1, policy });
      expect(await login(first, 'reject')).toMatchObject({ created: true, indexed: { added: true } });
      expect(await login(second, 'reject')).toMatchObject({
        created: true,
        indexed: { added: false, members: [first] },
      });
      expect(await store.load(second)).toEqual({ missing: 'unknown' });
      expect(await login(third, 'evict-oldest')).toMatchObject({
        created: true,
        indexed: { added: true, evicted: [first] },
      });
      expect(await store.indexMembers(user('ray'))).toEqual([third]);
    });
  });

  describe('the per-user index', () => {
    it('after "sign out everywhere", refuses to index a login from before it, unless it replaces the spared one', async () => {
      const [before, kept, replacing, later] = [id(), id(), id(), id()];
      const deadline = Date.now() + 60_000;
      const loggedInAt = Date.now() - 1_000;
      await store.indexAdd('lee', kept, deadline, { limit: 0, policy: 'evict-oldest', authenticatedAt: loggedInAt });
      await store.indexTake('lee', kept);
      expect(
        await store.indexAdd('lee', before, deadline, {
          limit: 0,
          policy: 'evict-oldest',
          authenticatedAt: loggedInAt,
        }),
      ).toEqual({ added: false, refused: 'revoked' });
      expect(
        await store.indexAdd('lee', replacing, deadline, {
          limit: 0,
          policy: 'evict-oldest',
          authenticatedAt: loggedInAt,
          replaces: kept,
        }),
      ).toEqual({ added: true, evicted: [] });
      expect(
        await store.indexAdd('lee', later, deadline, {
          limit: 0,
          policy: 'evict-oldest',
          authenticatedAt: Date.now() + 1_000,
        }),
      ).toEqual({ added: true, evicted: [] });
    });

    it('swaps a replaced member only while it is still a member', async () => {
      const [old, successor, orphan] = [id(), id(), id()];
      const deadline = Date.now() + 60_000;
      await store.indexAdd('gina', old, deadline, { limit: 0, policy: 'evict-oldest', authenticatedAt: 1 });
      expect(
        await store.indexAdd('gina', successor, deadline, {
          limit: 0,
          policy: 'evict-oldest',
          authenticatedAt: 1,
          replaces: old,
        }),
      ).toEqual({
        added: true,
        evicted: [],
      });
      expect(await store.indexMembers('gina')).toEqual([successor]);
      expect(
        await store.indexAdd('gina', orphan, deadline, {
          limit: 0,
          policy: 'evict-oldest',
          authenticatedAt: 1,
          replaces: old,
        }),
      ).toEqual({
        added: false,
        refused: 'replaced-gone',
      });
      expect(await store.indexMembers('gina')).toEqual([successor]);
    });

    it('takes every member but one in one step', async () => {
      const [a, b, c] = [id(), id(), id()];
      const deadline = Date.now() + 60_000;
      for (const member of [a, b, c])
        await store.indexAdd('hank', member, deadline, { limit: 0, policy: 'reject', authenticatedAt: 1 });
      expect((await store.indexTake('hank', b)).sort()).toEqual([a, c].sort());
      expect(await store.indexMembers('hank')).toEqual([b]);
      expect(await store.indexTake('hank')).toEqual([b]);
      expect(await store.indexMembers('hank')).toEqual([]);
    });

    it('reads a member mid-rotation as moving: neither listed nor pruned', async () => {
      const [old, successor] = [id(), id()];
      await store.create(old, { fields: fields({}), userId: 'ivy' });
      await store.retire(old, successor, 'ivy', FORWARD);
      expect(await store.readMetadata([old])).toEqual(['moving']);
      const created = await store.create(id(), { fields: fields({}), userId: 'ivy' });
      await store.indexAdd('ivy', old, created!.deadline, { limit: 0, policy: 'evict-oldest', authenticatedAt: 1 });
      expect(await repository.listForUser('ivy')).toEqual([]);
      expect(await store.indexMembers('ivy')).toEqual([old]);
    });
  });
});
