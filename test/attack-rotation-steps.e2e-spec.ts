/**
 * Attack probes: revoke / "sign out everywhere" / logout at each step of a rotation (retire → create →
 * index-add), on both adapters, against a real redis-server. The app's own session store is stopped
 * between two steps (StepHooks); every command still goes to Redis.
 */
import { sessionCookieOf, setCookieFor } from './support/cookies.js';
import type { HttpClient, Reply } from './support/robustness-http.js';
import { useRobustnessApp, type RobustnessApp } from './support/robustness-app.js';
import { indexMembers, liveRecords } from './support/robustness-redis.js';
import { RotationController } from './support/rotation.controller.js';
import { AttackController, useStepHooks } from './support/attack-kit.js';
import { ADAPTERS } from './support/test-app.js';

type Step = 'after retire' | 'after create' | 'after index-add';

const STEPS: Array<[Step, 'create' | 'indexAdd', 'before' | 'after']> = [
  ['after retire', 'create', 'before'],
  ['after create', 'indexAdd', 'before'],
  ['after index-add', 'indexAdd', 'after'],
];

/** Records of a signed-in user left in Redis (not tombstones). */
async function signedInRecordsOf(app: RobustnessApp, userId: string): Promise<string[]> {
  const found: string[] = [];
  for (const key of await liveRecords(app.inspector))
    if ((await app.inspector.hget(key, '#u')) === userId) found.push(key);
  return found;
}

for (const grace of [5_000, 0]) {
  describe.each(ADAPTERS)(`attack: revoke at each rotation step (rotationGracePeriod ${grace}) on %s`, (adapter) => {
    const app = useRobustnessApp(adapter, {
      controllers: [RotationController, AttackController],
      module: { rotationGracePeriod: grace },
    });
    const hooks = useStepHooks(app);
    let http: HttpClient;

    beforeAll(() => {
      http = app.http;
    });

    async function login(userId: string, cookie?: string): Promise<string> {
      const reply = await http.post('/login', { cookie, json: { userId } });
      expect(reply.status).toBe(201);
      return sessionCookieOf(reply);
    }

    async function publicIdOf(cookie: string): Promise<string> {
      return (await http.get('/rot/view', { cookie })).body.publicId as string;
    }

    /** Every way the session can be signed out from elsewhere while the rotation is stopped. */
    const enders: Array<[string, (userId: string, publicId: string, cookie: string) => Promise<Reply>]> = [
      ['revoke(userId, oldId)', (u, p) => http.post(`/rot/revoke/${u}/${p}`)],
      ['revokeAllForUser', (u) => http.post(`/rot/revoke-all/${u}`)],
    ];

    const rotations: Array<[string, string, (u: string) => unknown]> = [
      ['regenerate()', '/regenerate', () => undefined],
      ['login() as the same user', '/login', (u) => ({ userId: u })],
    ];

    for (const [rotation, path, body] of rotations) {
      for (const [ender, end] of enders) {
        it.each(STEPS)(
          `${rotation} with ${ender} %s: the user ends signed out everywhere`,
          async (_, method, phase) => {
            const cookie = await login('u1');
            const oldId = await publicIdOf(cookie);
            const paused = hooks.pause(method, phase);
            const pending = http.post(path, { cookie, json: body('u1') });
            await paused.arrived;
            const ended = await end('u1', oldId, cookie);
            expect(ended.status).toBe(201);
            paused.release();
            const reply = await pending;

            // Whatever the rotation answered, nothing of u1 may be signed in afterwards.
            const newCookie = setCookieFor(reply) === undefined ? undefined : sessionCookieOf(reply);
            if (newCookie !== undefined) expect((await http.get('/private', { cookie: newCookie })).status).toBe(401);
            else expect([401, 409]).toContain(reply.status);
            expect((await http.get('/private', { cookie })).status).toBe(401);
            expect(await signedInRecordsOf(app, 'u1')).toEqual([]);
            expect(await indexMembers(app.inspector)).toEqual([]);
          },
        );
      }
    }

    it.each(STEPS)(
      'logout with the current cookie %s of a regenerate: either 409, or the session really ends',
      async (_, method, phase) => {
        const cookie = await login('u1');
        const paused = hooks.pause(method, phase);
        const pending = http.post('/regenerate', { cookie });
        await paused.arrived;
        const logout = await http.post('/logout', { cookie });
        paused.release();
        const reply = await pending;
        if (logout.status === 201) {
          // The logout said "signed out" (and cleared the cookie): the regenerate's new cookie, which the
          // browser receives after it, must not sign the browser back in.
          const newCookie = setCookieFor(reply) === undefined ? undefined : sessionCookieOf(reply);
          expect(reply.status).not.toBe(201);
          if (newCookie !== undefined) expect((await http.get('/private', { cookie: newCookie })).status).toBe(401);
        } else {
          expect(logout.status).toBe(409);
          expect(setCookieFor(logout)).toBeUndefined();
        }
      },
    );

    it.each(STEPS)('two regenerates %s of the first: one new session, nothing else left', async (_, method, phase) => {
      const cookie = await login('u1');
      const paused = hooks.pause(method, phase);
      const first = http.post('/regenerate', { cookie });
      await paused.arrived;
      const second = await http.post('/regenerate', { cookie });
      paused.release();
      const a = await first;
      expect(a.status).toBe(201);
      // With rotationGracePeriod 0 the second finds no session at all (a new, empty one): 201, no cookie.
      expect(grace === 0 ? [201, 401, 409] : [401, 409]).toContain(second.status);
      expect(setCookieFor(second)).toBeUndefined();
      expect(await signedInRecordsOf(app, 'u1')).toHaveLength(1);
      expect(await indexMembers(app.inspector)).toHaveLength(1);
      expect((await http.get('/private', { cookie: sessionCookieOf(a) })).status).toBe(200);
    });

    it('revoke(userId, oldId) just after a regenerate finished in Redis ends the session at its new ID', async () => {
      const cookie = await login('u1');
      const oldId = await publicIdOf(cookie);
      const paused = hooks.pause('indexAdd', 'after');
      const pending = http.post('/regenerate', { cookie });
      await paused.arrived;
      const revoked = await http.post(`/rot/revoke/u1/${oldId}`);
      paused.release();
      const reply = await pending;
      expect(revoked.body).toEqual({ revoked: true });
      expect((await http.get('/private', { cookie: sessionCookieOf(reply) })).status).toBe(401);
    });

    // Guarantee 9 / the revokeAllForUser doc: "A login or regenerate of the user's that is in flight at the
    // same moment either finishes first (and its new session is ended here) or fails closed."
    it('a fresh login (anonymous → u1) in flight when "sign out everywhere" runs fails closed', async () => {
      const anonymous = sessionCookieOf(await http.post('/set/cart', { json: { value: ['tea'] } }));
      const paused = hooks.pause('indexAdd', 'before');
      const pending = http.post('/login', { cookie: anonymous, json: { userId: 'u1' } });
      await paused.arrived;
      // The new signed-in record exists already; its index entry does not.
      expect(await signedInRecordsOf(app, 'u1')).toHaveLength(1);
      const all = await http.post('/rot/revoke-all/u1');
      expect(all.body).toEqual({ revoked: 0 });
      paused.release();
      const reply = await pending;
      const after = setCookieFor(reply) === undefined ? undefined : sessionCookieOf(reply);
      // Expected by the documented guarantee: the login fails closed (or is ended by the revoke).
      expect(
        reply.status === 201 && after !== undefined ? (await http.get('/private', { cookie: after })).status : 401,
      ).toBe(401);
    });
  });
}
