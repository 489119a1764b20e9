/**
 * Attack probes: a planted anonymous ID across an anonymous regenerate(), the tombstone's TTL against the
 * absolute deadline (S21), and maxSessionsPerUser 'evict-oldest' at each rotation step. Both adapters,
 * real redis-server.
 */
import { sessionCookieOf, setCookieFor } from './support/cookies.js';
import type { HttpClient } from './support/robustness-http.js';
import { useRobustnessApp } from './support/robustness-app.js';
import { indexMembers, liveRecords } from './support/robustness-redis.js';
import { RotationController } from './support/rotation.controller.js';
import { AttackController, useStepHooks } from './support/attack-kit.js';
import { ADAPTERS } from './support/test-app.js';

describe.each(ADAPTERS)('attack: fixation, TTLs and the per-user limit on %s', (adapter) => {
  describe('a planted anonymous ID and regenerate() (anti-fixation before a sensitive flow)', () => {
    const app = useRobustnessApp(adapter, { controllers: [RotationController, AttackController] });
    let http: HttpClient;

    beforeAll(() => {
      http = app.http;
    });

    beforeEach(async () => {
      await app.inspector.flushall();
    });

    it('the planted ID cannot read the secret stored right after regenerate() (an OAuth state)', async () => {
      // The attacker makes an anonymous session and plants its cookie in the victim's browser.
      const planted = sessionCookieOf(await http.post('/set/lang', { json: { value: 'en' } }));
      // The victim's app sheds any planted ID before starting OAuth: regenerate(), then store the state.
      const victim = await http.post('/atk/regenerate-then-set/oauthState', {
        cookie: planted,
        json: { value: 'victim-state' },
      });
      expect(victim.status).toBe(201);
      const victimCookie = sessionCookieOf(victim);

      expect((await http.get('/key/oauthState', { cookie: victimCookie })).body).toEqual({ value: 'victim-state' });
      const seen = await http.get('/rot/view', { cookie: planted });
      expect(setCookieFor(seen)).toBeUndefined();
      expect(seen.body.data).not.toHaveProperty('oauthState');
    });

    it('the planted ID cannot overwrite that secret in the victim’s new session', async () => {
      const planted = sessionCookieOf(await http.post('/set/lang', { json: { value: 'en' } }));
      const victimCookie = sessionCookieOf(
        await http.post('/atk/regenerate-then-set/oauthState', { cookie: planted, json: { value: 'victim-state' } }),
      );
      await http.post('/set/oauthState', { cookie: planted, json: { value: 'attacker-state' } });
      expect((await http.get('/key/oauthState', { cookie: victimCookie })).body).toEqual({ value: 'victim-state' });
    });
  });

  describe('S21: the rotation tombstone and the absolute deadline', () => {
    const app = useRobustnessApp(adapter, { module: { absoluteTimeout: 3_000 } });

    it('S21: a regenerate 1.5 s before the deadline leaves no key (the tombstone) past the deadline', async () => {
      const cookie = sessionCookieOf(await app.http.post('/login', { json: { userId: 'u1' } }));
      const [oldKey] = await liveRecords(app.inspector);
      const deadline = Number(await app.inspector.hget(oldKey!, '#d'));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await app.http.post('/regenerate', { cookie })).status).toBe(201);
      const [seconds, micros] = await app.inspector.time();
      const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const ttl = await app.inspector.pttl(oldKey!);
      expect(ttl).toBeGreaterThan(0);
      // S21: "Every key has a TTL, never past the absolute deadline".
      expect(now + ttl).toBeLessThanOrEqual(deadline);
    });
  });

  describe("maxSessionsPerUser 1, 'evict-oldest', a second device signing in at each step of a regenerate", () => {
    const app = useRobustnessApp(adapter, {
      controllers: [RotationController],
      module: { maxSessionsPerUser: 1, onSessionLimit: 'evict-oldest' },
    });
    const hooks = useStepHooks(app);

    it.each([
      ['after retire', 'create', 'before'],
      ['after create', 'indexAdd', 'before'],
      ['after index-add', 'indexAdd', 'after'],
    ] as const)(
      '%s: exactly one session of the user survives, the newest device’s, and the index lists only it',
      async (_, method, phase) => {
        const first = sessionCookieOf(await app.http.post('/login', { json: { userId: 'u2' } }));
        const paused = hooks.pause(method, phase);
        const regenerating = app.http.post('/regenerate', { cookie: first });
        await paused.arrived;
        const second = sessionCookieOf(await app.http.post('/login', { json: { userId: 'u2' } }));
        paused.release();
        const reply = await regenerating;
        const regenerated = setCookieFor(reply) === undefined ? undefined : sessionCookieOf(reply);

        expect((await app.http.get('/private', { cookie: second })).status).toBe(200);
        if (regenerated !== undefined)
          expect((await app.http.get('/private', { cookie: regenerated })).status).toBe(401);
        expect((await app.http.get('/private', { cookie: first })).status).toBe(401);
        const signedIn: string[] = [];
        for (const key of await liveRecords(app.inspector))
          if ((await app.inspector.hget(key, '#u')) === 'u2') signedIn.push(key);
        expect(signedIn).toHaveLength(1);
        expect((await indexMembers(app.inspector)).map((m) => `sess:{${m}}`)).toEqual(signedIn);
      },
    );
  });
});
