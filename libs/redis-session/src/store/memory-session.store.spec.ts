import { resolveSessionOptions } from '../options/resolve-session-options.js';
import { MemorySessionStore } from './memory-session.store.js';
import { EXPIRED_GRACE } from './session-store.js';
import type { LoadResult, SessionRecord } from './session-record.js';

const T0 = 1_900_000_000_000;
const IDLE = 60_000;
const ABSOLUTE = 600_000;
const TOUCH_AFTER = 10_000;
const ID = 'public-id-1';

let now = T0;
let repository: MemorySessionStore;

function fields(entries: Record<string, string> = {}): Map<string, string> {
  return new Map(Object.entries(entries));
}

function noChanges(set: Record<string, string> = {}, remove: string[] = []) {
  return { set: fields(set), remove };
}

/**
 * Reads a record as a request does: a load, then a refresh of the idle timer when `touchAfter` has passed
 * (the session flow asks for it once the record proved to be a session).
 */
async function loaded(publicId = ID): Promise<SessionRecord & { touched: boolean }> {
  const result = await repository.load(publicId);
  if (!result.record) throw new Error(`expected a record, got ${JSON.stringify(result)}`);
  const { record } = result;
  if (record.now - record.lastSeenAt < TOUCH_AFTER) return { ...record, touched: false };
  const touch = await repository.touch(publicId, record.userId);
  return { ...record, lastSeenAt: touch.touched ? touch.lastSeenAt : record.lastSeenAt, touched: touch.touched };
}

function expectGone(result: LoadResult): void {
  expect(result.record).toBeUndefined();
  expect(['unknown', 'expired']).toContain((result as { missing: string }).missing);
}

beforeEach(() => {
  now = T0;
  const options = resolveSessionOptions({
    store: 'memory',
    secrets: ['a-secret-of-at-least-thirty-two-characters'],
    idleTimeout: IDLE,
    anonymousIdleTimeout: IDLE,
    absoluteTimeout: ABSOLUTE,
    touchAfter: TOUCH_AFTER,
  });
  repository = new MemorySessionStore(options, () => now);
});

describe('MemorySessionStore', () => {
  describe('create', () => {
    it('writes a record and reports the times it settled on', async () => {
      await expect(repository.create(ID, { fields: fields({ cart: '[1]' }) })).resolves.toEqual({
        now: T0,
        createdAt: T0,
        lastSeenAt: T0,
        deadline: T0 + ABSOLUTE,
        authenticatedAt: undefined,
      });
      const record = await loaded();
      expect(record).toEqual({
        createdAt: T0,
        lastSeenAt: T0,
        deadline: T0 + ABSOLUTE,
        userId: undefined,
        authenticatedAt: undefined,
        device: {},
        fields: fields({ cart: '[1]' }),
        now: T0,
        touched: false,
      });
    });

    it('S24: does not overwrite an existing record', async () => {
      await repository.create(ID, { fields: fields({ owner: '"first"' }), userId: 'alice' });
      now += 1_000;
      await expect(repository.create(ID, { fields: fields({ owner: '"second"' }), userId: 'mallory' })).resolves.toBe(
        undefined,
      );
      const record = await loaded();
      expect(record.userId).toBe('alice');
      expect(record.authenticatedAt).toBe(T0);
      expect(record.createdAt).toBe(T0);
      expect(record.fields).toEqual(fields({ owner: '"first"' }));
    });

    it('S24: creates again once the previous record has expired (key gone: idle timeout plus the grace)', async () => {
      await repository.create(ID, { fields: fields({ v: '1' }) });
      now += IDLE;
      await expect(repository.create(ID, { fields: fields({ v: '2' }) })).resolves.toBeUndefined();
      now += EXPIRED_GRACE;
      await expect(repository.create(ID, { fields: fields({ v: '2' }) })).resolves.toMatchObject({ createdAt: now });
      expect((await loaded()).fields).toEqual(fields({ v: '2' }));
    });

    it('records the login time with a user ID, and keeps a given one', async () => {
      await expect(repository.create('a', { fields: fields(), userId: 'alice' })).resolves.toMatchObject({
        authenticatedAt: T0,
      });
      await expect(
        repository.create('b', { fields: fields(), userId: 'bob', authenticatedAt: T0 - 5_000 }),
      ).resolves.toMatchObject({ authenticatedAt: T0 - 5_000 });
      expect(await loaded('a')).toMatchObject({ userId: 'alice', authenticatedAt: T0 });
      expect(await loaded('b')).toMatchObject({ userId: 'bob', authenticatedAt: T0 - 5_000 });
    });

    it('ignores an authentication time without a user ID', async () => {
      await repository.create(ID, { fields: fields(), authenticatedAt: T0 });
      expect(await loaded()).toMatchObject({ userId: undefined, authenticatedAt: undefined });
    });

    it('S20: keeps a given creation time and deadline (regenerate)', async () => {
      const written = await repository.create(ID, {
        fields: fields(),
        createdAt: T0 - 100_000,
        deadline: T0 - 100_000 + ABSOLUTE,
      });
      expect(written).toEqual({
        now: T0,
        createdAt: T0 - 100_000,
        lastSeenAt: T0,
        deadline: T0 + 500_000,
        authenticatedAt: undefined,
      });
      now = T0 + 499_999;
      await repository.load(ID);
      now = T0 + 500_000;
      expectGone(await repository.load(ID));
    });

    it('S20: derives the deadline from a given creation time', async () => {
      await expect(repository.create(ID, { fields: fields(), createdAt: T0 - 1_000 })).resolves.toMatchObject({
        deadline: T0 - 1_000 + ABSOLUTE,
      });
    });

    it('S20: writes nothing when the given deadline has passed', async () => {
      await expect(repository.create(ID, { fields: fields(), deadline: T0 })).resolves.toBeUndefined();
      await expect(repository.create(ID, { fields: fields(), createdAt: T0 - ABSOLUTE })).resolves.toBeUndefined();
      expectGone(await repository.load(ID));
      expect(repository.size).toBe(0);
    });

    it('keeps its own copy of the fields', async () => {
      const written = fields({ a: '1' });
      await repository.create(ID, { fields: written });
      written.set('b', '2');
      expect((await loaded()).fields).toEqual(fields({ a: '1' }));
    });
  });

  describe('load', () => {
    it('reports an unknown ID', async () => {
      await expect(repository.load('nobody')).resolves.toEqual({ missing: 'unknown' });
    });

    it('hands out a copy of the fields', async () => {
      await repository.create(ID, { fields: fields({ a: '1' }) });
      const first = await loaded();
      (first.fields as Map<string, string>).set('a', 'changed');
      expect((await loaded()).fields).toEqual(fields({ a: '1' }));
    });

    it('does not touch before touchAfter has passed', async () => {
      await repository.create(ID, { fields: fields() });
      now = T0 + TOUCH_AFTER - 1;
      expect(await loaded()).toMatchObject({ lastSeenAt: T0, touched: false, now: T0 + TOUCH_AFTER - 1 });
    });

    it('touches once touchAfter has passed: lastSeenAt moves to now', async () => {
      await repository.create(ID, { fields: fields() });
      now = T0 + TOUCH_AFTER;
      expect(await loaded()).toMatchObject({ lastSeenAt: T0 + TOUCH_AFTER, touched: true });
      now += 1;
      expect(await loaded()).toMatchObject({ lastSeenAt: T0 + TOUCH_AFTER, touched: false });
    });

    it('S19: a load that did not touch does not extend the idle timer', async () => {
      await repository.create(ID, { fields: fields() });
      now = T0 + TOUCH_AFTER - 1;
      await loaded();
      now = T0 + IDLE;
      expectGone(await repository.load(ID));
    });

    it('S19: just before the idle timeout the session works and is extended', async () => {
      await repository.create(ID, { fields: fields() });
      now = T0 + IDLE - 1;
      expect(await loaded()).toMatchObject({ lastSeenAt: now, touched: true });
      now += IDLE - 1;
      expect(await loaded()).toMatchObject({ lastSeenAt: now, touched: true });
    });

    it('S19: at and after the idle timeout the session is gone', async () => {
      await repository.create(ID, { fields: fields() });
      now = T0 + IDLE;
      expectGone(await repository.load(ID));
      now = T0;
      expectGone(await repository.load(ID));
      expect(repository.size).toBe(0);
    });

    it('S19: long after the idle timeout the session is gone', async () => {
      await repository.create(ID, { fields: fields() });
      now = T0 + IDLE + 1;
      expectGone(await repository.load(ID));
    });

    it('S20: activity never extends the absolute deadline', async () => {
      await repository.create(ID, { fields: fields() });
      for (now = T0 + 50_000; now < T0 + ABSOLUTE; now += 50_000) {
        const record = await loaded();
        expect(record.deadline).toBe(T0 + ABSOLUTE);
        expect(record.touched).toBe(true);
        await expect(repository.update(ID, noChanges({ n: String(now) }))).resolves.toEqual({ written: true });
      }
      now = T0 + ABSOLUTE - 1;
      expect((await loaded()).deadline).toBe(T0 + ABSOLUTE);
      now = T0 + ABSOLUTE;
      expectGone(await repository.load(ID));
      await expect(repository.update(ID, noChanges({ n: '1' }))).resolves.toEqual({ written: false });
      expectGone(await repository.load(ID));
    });

    it('S20: a touch close to the deadline does not keep the record past it', async () => {
      await repository.create(ID, { fields: fields() });
      for (now = T0 + 55_000; now < T0 + ABSOLUTE - 10_000; now += 55_000) await loaded();
      now = T0 + ABSOLUTE - 5_000;
      expect(await loaded()).toMatchObject({ touched: true, deadline: T0 + ABSOLUTE });
      now = T0 + ABSOLUTE;
      // Gone as a whole, as Redis drops the key when its TTL (capped at the deadline) runs out.
      expect(repository.size).toBe(0);
      await expect(repository.create(ID, { fields: fields({ fresh: '1' }) })).resolves.toMatchObject({
        createdAt: now,
      });
      expect((await loaded()).fields).toEqual(fields({ fresh: '1' }));
    });
  });

  describe('update', () => {
    it('sets and removes only the given fields, leaving the others untouched', async () => {
      await repository.create(ID, { fields: fields({ a: '1', b: '2', c: '3' }), userId: 'alice' });
      now += 1_000;
      await expect(repository.update(ID, noChanges({ b: '"two"', d: '4' }, ['c', 'missing']))).resolves.toEqual({
        written: true,
      });
      const record = await loaded();
      expect(record.fields).toEqual(fields({ a: '1', b: '"two"', d: '4' }));
      expect(record).toMatchObject({ userId: 'alice', authenticatedAt: T0, createdAt: T0, deadline: T0 + ABSOLUTE });
    });

    it('S19: refreshes the idle timer', async () => {
      await repository.create(ID, { fields: fields() });
      now = T0 + IDLE - 1;
      await expect(repository.update(ID, noChanges({ a: '1' }))).resolves.toEqual({ written: true });
      now = T0 + 2 * IDLE - 2;
      expect(await loaded()).toMatchObject({ fields: fields({ a: '1' }) });
    });

    it('S23: after a delete writes nothing and does not bring the record back', async () => {
      await repository.create(ID, { fields: fields({ a: '1' }), userId: 'alice' });
      await repository.delete(ID);
      await expect(repository.update(ID, noChanges({ a: '2' }))).resolves.toEqual({ written: false });
      await expect(repository.load(ID)).resolves.toEqual({ missing: 'unknown' });
      expect(repository.size).toBe(0);
    });

    it('S23: for an ID that never existed writes nothing', async () => {
      await expect(repository.update('never', noChanges({ a: '1' }))).resolves.toEqual({ written: false });
      expect(repository.size).toBe(0);
    });

    it('S23: after the idle timeout writes nothing', async () => {
      await repository.create(ID, { fields: fields({ a: '1' }) });
      now = T0 + IDLE;
      await expect(repository.update(ID, noChanges({ a: '2' }))).resolves.toEqual({ written: false });
      expectGone(await repository.load(ID));
    });

    it('S20: after the absolute deadline writes nothing', async () => {
      await repository.create(ID, { fields: fields({ a: '1' }), deadline: T0 + 30_000 });
      now = T0 + 30_000;
      await expect(repository.update(ID, noChanges({ a: '2' }))).resolves.toEqual({ written: false });
      expectGone(await repository.load(ID));
    });

    it('S23: after a new record took the ID, changes apply to the new record only', async () => {
      await repository.create(ID, { fields: fields({ a: '1' }) });
      await repository.delete(ID);
      await repository.create(ID, { fields: fields({ b: '2' }) });
      await expect(repository.update(ID, noChanges({ c: '3' }))).resolves.toEqual({ written: true });
      expect((await loaded()).fields).toEqual(fields({ b: '2', c: '3' }));
    });
  });

  describe('delete', () => {
    it('removes the record and reports whether one existed', async () => {
      await repository.create(ID, { fields: fields() });
      await expect(repository.delete(ID)).resolves.toBe(true);
      await expect(repository.load(ID)).resolves.toEqual({ missing: 'unknown' });
      await expect(repository.delete(ID)).resolves.toBe(false);
      await expect(repository.delete('never')).resolves.toBe(false);
    });

    it('reports false for a record whose key had expired', async () => {
      await repository.create(ID, { fields: fields() });
      now = T0 + IDLE + EXPIRED_GRACE;
      await expect(repository.delete(ID)).resolves.toBe(false);
    });

    it('removes only its own record', async () => {
      await repository.create('a', { fields: fields() });
      await repository.create('b', { fields: fields() });
      await repository.delete('a');
      await expect(repository.load('b')).resolves.toHaveProperty('record');
    });
  });

  describe('size', () => {
    it('counts live records and sweeps expired ones', async () => {
      await repository.create('a', { fields: fields() });
      await repository.create('b', { fields: fields() });
      now = T0 + 30_000;
      await repository.create('c', { fields: fields() });
      expect(repository.size).toBe(3);
      now = T0 + IDLE + EXPIRED_GRACE;
      expect(repository.size).toBe(1);
      now = T0 + 30_000 + IDLE + EXPIRED_GRACE;
      expect(repository.size).toBe(0);
    });
  });
});
