import { jest } from '@jest/globals';
import { memoryRuntime, type MemoryRuntime } from '../../spec-support/memory-runtime.js';
import { SessionMovedException } from '../errors/session-moved.exception.js';
import { SessionTooLargeException } from '../errors/session-too-large.exception.js';
import { SessionUnauthorizedException } from '../errors/session-unauthorized.exception.js';
import type { SessionContext } from './session-context.js';

/**
 * The per-request coordinator and its flows (load, save, rotate, end) on the in-memory store with a clock
 * the spec moves: what each request writes, where old IDs lead, what concurrent requests keep. The same
 * behaviours over HTTP on both adapters and a real Redis are in test/*.e2e-spec.ts.
 */
describe('SessionContext', () => {
  let env: MemoryRuntime;

  beforeEach(() => {
    env = memoryRuntime({ idleTimeout: 60_000, anonymousIdleTimeout: 10_000, touchAfter: 6_000 });
  });

  /** Runs one request: loads, lets `handle` act on the context, saves, and resolves the cookie it set. */
  async function request(
    cookie: string | undefined,
    handle: (context: SessionContext) => unknown = () => undefined,
  ): Promise<{ context: SessionContext; cookie: string | undefined; clears: boolean }> {
    const { context, response } = env.contextFor(cookie);
    await context.load();
    await handle(context);
    await context.save();
    return { context, cookie: response.cookie, clears: response.clears };
  }

  async function signedIn(userId: string, data: Record<string, unknown> = {}): Promise<string> {
    const { cookie } = await request(undefined, (context) => context.login(userId, data));
    return cookie!;
  }

  describe('saving', () => {
    it('stores nothing and sets no cookie for a visitor who only reads', async () => {
      const reply = await request(undefined, (context) => context.data);
      expect(reply.cookie).toBeUndefined();
      expect(env.store.size).toBe(0);
    });

    it('creates a session once it holds data, and sets its cookie', async () => {
      const reply = await request(undefined, (context) => (context.data.cart = ['tea']));
      expect(reply.cookie).toMatch(/^sid=/);
      const next = await request(reply.cookie);
      expect(next.context.isNew).toBe(false);
      expect(next.context.data).toEqual({ cart: ['tea'] });
      expect(next.cookie).toBeUndefined();
    });

    it('writes only the keys whose JSON changed, and the removals', async () => {
      const { cookie } = await request(undefined, (context) =>
        Object.assign(context.data, { a: 1, b: { c: [1] }, d: 0 }),
      );
      const update = jest.spyOn(env.store, 'update');
      await request(cookie, (context) => {
        (context.data.b as { c: number[] }).c.push(2);
        delete context.data.d;
        context.data.a = 1;
      });
      expect(update).toHaveBeenCalledTimes(1);
      const [, changes] = update.mock.calls[0]!;
      expect([...changes.set]).toEqual([['b', '{"c":[1,2]}']]);
      expect(changes.remove).toEqual(['d']);
    });

    it('sends nothing when the handler changed nothing, or never looked at the data', async () => {
      const { cookie } = await request(undefined, (context) => (context.data.a = 1));
      const update = jest.spyOn(env.store, 'update');
      await request(cookie, (context) => (context.data.a = 1));
      await request(cookie);
      expect(update).not.toHaveBeenCalled();
    });

    it('keeps both keys when two requests change different keys at once', async () => {
      const { cookie } = await request(undefined, (context) => (context.data.seed = 0));
      const left = env.contextFor(cookie).context;
      const right = env.contextFor(cookie).context;
      await Promise.all([left.load(), right.load()]);
      left.data.left = 'L';
      right.data.right = 'R';
      await Promise.all([left.save(), right.save()]);
      expect((await request(cookie)).context.data).toEqual({ seed: 0, left: 'L', right: 'R' });
    });

    it('S23: a save after a logout elsewhere writes nothing and brings nothing back', async () => {
      const cookie = await signedIn('ann', { a: 1 });
      const slow = env.contextFor(cookie).context;
      await slow.load();
      await request(cookie, (context) => context.destroy('logout'));
      slow.data.late = true;
      await slow.save();
      expect(env.store.size).toBe(0);
      expect((await request(cookie)).context.rejection).toBe('unknown');
    });

    it('S33: refuses a new session over maxSessionBytes, writing nothing', async () => {
      const { context } = env.contextFor();
      await context.load();
      context.data.big = 'x'.repeat(70_000);
      await expect(context.save()).rejects.toBeInstanceOf(SessionTooLargeException);
      expect(env.store.size).toBe(0);
    });
  });

  describe('expiry, on the clock', () => {
    it('an anonymous session idles out after anonymousIdleTimeout, a signed-in one after idleTimeout', async () => {
      const { cookie: anonymous } = await request(undefined, (context) => (context.data.cart = [1]));
      const user = await signedIn('bob');
      env.advance(10_000);
      expect((await request(anonymous)).context.rejection).toBe('expired');
      expect((await request(user)).context.userId).toBe('bob');
    });
  });

  describe('rotation', () => {
    it('login() gives a new ID, keeps the data, and the old ID never carries the login', async () => {
      const { cookie: anonymous } = await request(undefined, (context) => (context.data.cart = ['tea']));
      const login = await request(anonymous, (context) => context.login('cat'));
      expect(login.cookie).not.toBe(anonymous);
      expect((await request(login.cookie)).context).toMatchObject({ userId: 'cat', data: { cart: ['tea'] } });
      const old = await request(anonymous);
      expect(old.context).toMatchObject({ isNew: true, userId: undefined, data: {}, rejection: 'rotated' });
      expect(old.cookie).toBeUndefined();
    });

    it('carries over what another request stored between this one’s load and its login', async () => {
      const { cookie: anonymous } = await request(undefined, (context) => (context.data.cart = ['tea']));
      const rotating = env.contextFor(anonymous);
      await rotating.context.load();
      await request(anonymous, (context) => (context.data.coupon = 'SAVE10'));
      await rotating.context.login('dan');
      await rotating.context.save();
      expect(rotating.context.data).toEqual({ cart: ['tea'], coupon: 'SAVE10' });
      const after = await request(rotating.response.cookie);
      expect(after.context.data).toEqual({ cart: ['tea'], coupon: 'SAVE10' });
    });

    it('forwards the old ID of a regenerate() to the new session, signed in, for reads and writes', async () => {
      const before = await signedIn('eve', { a: 1 });
      const after = (await request(before, (context) => context.regenerate())).cookie!;
      const forwarded = await request(before, (context) => (context.data.late = 2));
      expect(forwarded.context).toMatchObject({ isNew: false, userId: 'eve' });
      expect(forwarded.cookie).toBeUndefined();
      expect((await request(after)).context.data).toEqual({ a: 1, late: 2 });
    });

    it('refuses login, regenerate, logout and destroy from a forwarded request (409), changing nothing', async () => {
      const before = await signedIn('fay');
      const after = (await request(before, (context) => context.regenerate())).cookie!;
      for (const act of [
        (context: SessionContext) => context.regenerate(),
        (context: SessionContext) => context.login('fay'),
        (context: SessionContext) => context.destroy('logout'),
      ]) {
        const { context } = env.contextFor(before);
        await context.load();
        await expect(act(context)).rejects.toBeInstanceOf(SessionMovedException);
      }
      expect((await request(after)).context.userId).toBe('fay');
    });

    it('a regenerate whose session was logged out meanwhile gets 401 and creates nothing', async () => {
      const cookie = await signedIn('gus');
      const slow = env.contextFor(cookie).context;
      await slow.load();
      await request(cookie, (context) => context.destroy('logout'));
      await expect(slow.regenerate()).rejects.toBeInstanceOf(SessionUnauthorizedException);
      expect(env.store.size).toBe(0);
    });
  });

  describe('logout', () => {
    it('deletes the record and clears the cookie; the handle becomes a new empty session', async () => {
      const cookie = await signedIn('hal', { a: 1 });
      const reply = await request(cookie, (context) => context.destroy('logout'));
      expect(reply.clears).toBe(true);
      expect(reply.context).toMatchObject({ isNew: true, userId: undefined, data: {} });
      expect(env.store.size).toBe(0);
    });

    it('clears no cookie when the request carried two valid session cookies', async () => {
      const mine = await signedIn('ivy');
      const tossed = await signedIn('jon');
      const reply = await request(`${mine}; ${tossed}`, (context) => context.destroy('logout'));
      expect(reply.context.rejection).toBe('ambiguous-cookie');
      expect(reply.clears).toBe(false);
      expect(env.store.size).toBe(2);
    });
  });
});
