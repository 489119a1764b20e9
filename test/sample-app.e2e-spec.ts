import type { INestApplication } from '@nestjs/common';
import request, { type Response } from 'supertest';
import { createSampleApp } from '../apps/sample/src/sample-app.factory.js';
import { setCookieFor } from './support/cookies.js';
import { RedisServer } from './support/redis-server.js';
import { SampleBrowser, type HttpServer } from './support/sample-browser.js';
import { TEST_SECRET } from './support/test-app.js';

const ADAPTER_NAMES = ['express', 'fastify'] as const;
const STORES = ['memory', 'redis'] as const;
/** Every adapter with every store: the sample must behave the same on all four. */
const SETUPS = ADAPTER_NAMES.flatMap((adapter) => STORES.map((store) => [adapter, store] as const));

const ALICE = { username: 'alice', password: 'wonderland' };
const BOB = { username: 'bob', password: 'builder' };

/** The home page's markup between `<main>` and `</main>`: what the user sees, without the inline CSS. */
function mainOf(response: Response): string {
  const match = /<main>([\s\S]*)<\/main>/.exec(response.text);
  if (match === null) throw new Error(`no <main> in the page (status ${response.status})`);
  return match[1]!;
}

/** Status, and that it is not a server error, in one assertion message. */
function expectStatus(response: Response, status: number): void {
  expect({ status: response.status, body: response.body as unknown }).toMatchObject({ status });
}

describe.each(SETUPS)('sample app on %s with the %s store', (adapter, store) => {
  let redis: RedisServer | undefined;
  let app: INestApplication;
  let browser: SampleBrowser;

  beforeAll(async () => {
    if (store === 'redis') redis = await RedisServer.start();
    app = await createSampleApp({ adapter, redisUrl: redis?.url, sessionSecret: TEST_SECRET, logger: false });
  });

  afterAll(async () => {
    await app?.close();
    await redis?.destroy();
  });

  beforeEach(() => {
    browser = new SampleBrowser(server());
  });

  const server = (): HttpServer => app.getHttpServer() as HttpServer;

  async function signIn(credentials = ALICE): Promise<void> {
    const response = await browser.post('/api/login', credentials);
    expectStatus(response, 201);
  }

  describe('JSON API', () => {
    it('signs in with the right password: 201, the user, and an HttpOnly SameSite=Lax session cookie', async () => {
      const response = await browser.post('/api/login', ALICE);
      expectStatus(response, 201);
      expect(response.body).toEqual({ user: { id: 'u-alice', username: 'alice', name: 'Alice Liddell' } });
      expect(setCookieFor(response)).toMatch(/^sid=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.text).not.toContain(browser.cookie!.slice('sid='.length));
    });

    it('answers a wrong password and an unknown user with the same 401 and sets no cookie', async () => {
      const wrong = await browser.post('/api/login', { username: 'alice', password: 'looking-glass' });
      const unknown = await browser.post('/api/login', { username: 'mallory', password: 'wonderland' });
      for (const response of [wrong, unknown]) {
        expectStatus(response, 401);
        expect(response.body.message).toBe('Invalid username or password');
        expect(setCookieFor(response)).toBeUndefined();
      }
      expect(browser.cookie).toBeUndefined();
    });

    it.each([
      ['no body', undefined],
      ['an empty object', {}],
      ['no password', { username: 'alice' }],
      ['an empty password', { username: 'alice', password: '' }],
      ['a numeric username', { username: 42, password: 'wonderland' }],
      ['an array', ['alice', 'wonderland']],
      ['a 65-character username', { username: 'a'.repeat(65), password: 'x' }],
    ])('rejects a sign-in with %s: 400', async (_name, body) => {
      const response = await browser.post('/api/login', body);
      expectStatus(response, 400);
      expect(browser.cookie).toBeUndefined();
    });

    it('profile: 401 before sign-in, 200 with the user and session after', async () => {
      expectStatus(await browser.get('/api/profile'), 401);
      await signIn();
      const before = Date.now();
      const response = await browser.get('/api/profile');
      expectStatus(response, 200);
      const { user, session } = response.body;
      expect(user).toEqual({ id: 'u-alice', username: 'alice', name: 'Alice Liddell' });
      expect(session.publicId).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(browser.cookie).not.toContain(session.publicId);
      const createdAt = Date.parse(session.createdAt);
      const expiresAt = Date.parse(session.expiresAt);
      expect(createdAt).toBeLessThanOrEqual(before);
      // The default idle timeout is 30 minutes.
      expect(expiresAt).toBeGreaterThan(before + 29 * 60_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * 60_000);
    });

    it('cart and settings are for signed-in users only: 401', async () => {
      expectStatus(await browser.get('/api/cart'), 401);
      expectStatus(await browser.post('/api/cart', { sku: 'tea', quantity: 1 }), 401);
      expectStatus(await browser.delete('/api/cart/tea'), 401);
      expectStatus(await browser.get('/api/settings'), 401);
      expectStatus(await browser.put('/api/settings', { theme: 'dark' }), 401);
    });

    it('keeps the theme: light by default, dark once changed, across requests', async () => {
      await signIn();
      expect((await browser.get('/api/settings')).body).toEqual({ theme: 'light' });
      const update = await browser.put('/api/settings', { theme: 'dark' });
      expectStatus(update, 200);
      expect(update.body).toEqual({ theme: 'dark' });
      expect((await browser.get('/api/settings')).body).toEqual({ theme: 'dark' });
      expect((await browser.get('/api/settings')).body).toEqual({ theme: 'dark' });
    });

    it.each([
      ['an unknown theme', { theme: 'blue' }],
      ['a capitalised theme', { theme: 'Dark' }],
      ['no theme', {}],
      ['a theme list', { theme: ['dark'] }],
      ['markup', { theme: '"><script>alert(1)</script>' }],
    ])('refuses %s with 400 and keeps the theme', async (_name, body) => {
      await signIn();
      await browser.put('/api/settings', { theme: 'dark' });
      expectStatus(await browser.put('/api/settings', body), 400);
      expect((await browser.get('/api/settings')).body).toEqual({ theme: 'dark' });
    });

    it('keeps the cart across requests: add, add more, remove', async () => {
      await signIn();
      expect((await browser.get('/api/cart')).body).toEqual({ lines: [], itemCount: 0, totalCents: 0 });
      expectStatus(await browser.post('/api/cart', { sku: 'tea', quantity: 2 }), 201);
      expectStatus(await browser.post('/api/cart', { sku: 'jam', quantity: 1 }), 201);
      const added = await browser.post('/api/cart', { sku: 'tea', quantity: 1 });
      expectStatus(added, 201);
      const expected = {
        lines: [
          { sku: 'tea', name: 'Earl Grey tea', quantity: 3, unitPriceCents: 450, subtotalCents: 1350 },
          { sku: 'jam', name: 'Jam & clotted cream "deluxe"', quantity: 1, unitPriceCents: 350, subtotalCents: 350 },
        ],
        itemCount: 4,
        totalCents: 1700,
      };
      expect(added.body).toEqual(expected);
      expect((await browser.get('/api/cart')).body).toEqual(expected);

      const removed = await browser.delete('/api/cart/tea');
      expectStatus(removed, 200);
      expect((removed.body.lines as Array<{ sku: string }>).map((line) => line.sku)).toEqual(['jam']);
      expect((await browser.get('/api/cart')).body).toEqual(removed.body);
      // Removing what is not in the cart changes nothing.
      expectStatus(await browser.delete('/api/cart/tea'), 200);
      expect((await browser.get('/api/cart')).body).toEqual(removed.body);
    });

    it.each([
      ['no body', undefined],
      ['an empty object', {}],
      ['no quantity', { sku: 'tea' }],
      ['quantity 0', { sku: 'tea', quantity: 0 }],
      ['a negative quantity', { sku: 'tea', quantity: -1 }],
      ['a fractional quantity', { sku: 'tea', quantity: 1.5 }],
      ['quantity 100', { sku: 'tea', quantity: 100 }],
      ['a quantity in exponent form', { sku: 'tea', quantity: '1e1' }],
      ['an unknown product', { sku: 'caviar', quantity: 1 }],
      ['a prototype key as product', { sku: '__proto__', quantity: 1 }],
      ['a product list', { sku: ['tea'], quantity: 1 }],
      ['a 10,000-character product', { sku: 'x'.repeat(10_000), quantity: 1 }],
    ])('refuses to add %s: 400, cart unchanged', async (_name, body) => {
      await signIn();
      await browser.post('/api/cart', { sku: 'mug', quantity: 1 });
      const response = await browser.post('/api/cart', body);
      expectStatus(response, 400);
      expect((await browser.get('/api/cart')).body.lines).toEqual([
        expect.objectContaining({ sku: 'mug', quantity: 1 }),
      ]);
    });

    it('refuses to go over 99 of one product, and answers 404 for deleting an unknown product', async () => {
      await signIn();
      expectStatus(await browser.post('/api/cart', { sku: 'tea', quantity: 99 }), 201);
      expectStatus(await browser.post('/api/cart', { sku: 'tea', quantity: 1 }), 400);
      expectStatus(await browser.delete('/api/cart/caviar'), 404);
      expectStatus(await browser.delete(`/api/cart/${encodeURIComponent('<script>')}`), 404);
      expect((await browser.get('/api/cart')).body.itemCount).toBe(99);
    });

    it.each([
      ['broken JSON', '{"sku": "tea", "quantity": '],
      ['an empty JSON body', ''],
      ['JSON null', 'null'],
      ['a JSON string', '"tea"'],
    ])('answers %s with 400, not 5xx', async (_name, raw) => {
      await signIn();
      const response = await request(server())
        .post('/api/cart')
        .set('Cookie', browser.cookie!)
        .set('content-type', 'application/json')
        .send(raw);
      expectStatus(response, 400);
    });

    it('signs out: 204, cookie cleared, profile 401, and the old cookie is dead', async () => {
      await signIn();
      await browser.post('/api/cart', { sku: 'tea', quantity: 1 });
      const oldCookie = browser.cookie!;
      const response = await browser.post('/api/logout');
      expectStatus(response, 204);
      expect(setCookieFor(response)).toMatch(/^sid=; Path=\/; Max-Age=0; /);
      expect(browser.cookie).toBeUndefined();
      expectStatus(await browser.get('/api/profile'), 401);
      browser.cookie = oldCookie;
      expectStatus(await browser.get('/api/profile'), 401);
      expectStatus(await browser.get('/api/cart'), 401);
    });

    it('a new sign-in issues a new session ID; another user does not inherit the cart', async () => {
      await signIn(ALICE);
      await browser.post('/api/cart', { sku: 'mug', quantity: 2 });
      const aliceCookie = browser.cookie!;
      await signIn(BOB);
      expect(browser.cookie).not.toEqual(aliceCookie);
      expect((await browser.get('/api/profile')).body.user.username).toBe('bob');
      expect((await browser.get('/api/cart')).body.lines).toEqual([]);
      // The ID Alice's session had before Bob signed in on this browser no longer works.
      browser.cookie = aliceCookie;
      expectStatus(await browser.get('/api/profile'), 401);
    });

    it('the same user signing in again keeps the cart', async () => {
      await signIn(ALICE);
      await browser.post('/api/cart', { sku: 'scones', quantity: 2 });
      await signIn(ALICE);
      expect((await browser.get('/api/cart')).body.itemCount).toBe(2);
    });
  });

  describe('HTML pages', () => {
    it('shows the sign-in form to an anonymous visitor, and creates no session for it', async () => {
      const response = await browser.get('/');
      expectStatus(response, 200);
      expect(response.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      const main = mainOf(response);
      expect(main).toContain('<form method="post" action="/signin">');
      expect(main).toContain('name="username"');
      expect(main).toContain('name="password" type="password"');
      expect(main).not.toContain('action="/signout"');
      expect(setCookieFor(response)).toBeUndefined();
    });

    it('signs in with an urlencoded form: 303 home with a session cookie, then greets the user', async () => {
      const response = await browser.post('/signin', ALICE, 'form');
      expectStatus(response, 303);
      expect(response.headers.location).toBe('/');
      expect(setCookieFor(response)).toMatch(/^sid=[^;]+;.*HttpOnly/);
      const main = mainOf(await browser.get('/'));
      expect(main).toContain('<strong class="user-name">Alice Liddell</strong>');
      expect(main).toContain('<span class="username">alice</span>');
      expect(main).toContain('Your cart is empty.');
      expect(main).toContain('action="/signout"');
      expect(main).not.toContain('action="/signin"');
    });

    it('sends a wrong password back to the form with a notice, and no session', async () => {
      const response = await browser.post('/signin', { username: 'alice', password: 'nope' }, 'form');
      expectStatus(response, 303);
      expect(response.headers.location).toBe('/?notice=signin-failed');
      expect(browser.cookie).toBeUndefined();
      const main = mainOf(await browser.get(response.headers.location!));
      expect(main).toContain('Wrong username or password.');
      expect(main).toContain('action="/signin"');
    });

    it('changes the theme and the cart through forms, each answered with a 303 home', async () => {
      await browser.post('/signin', ALICE, 'form');
      for (const [path, body] of [
        ['/theme', { theme: 'dark' }],
        ['/cart', { sku: 'tea', quantity: '2' }],
        ['/cart', { sku: 'mug', quantity: '1' }],
        ['/cart/remove', { sku: 'mug' }],
      ] as const) {
        const response = await browser.post(path, body, 'form');
        expectStatus(response, 303);
        expect(response.headers.location).toBe('/');
      }
      const page = await browser.get('/');
      expect(page.text).toContain('<body class="theme-dark">');
      expect(page.text).toContain('<option value="dark" selected>');
      const main = mainOf(page);
      expect(main).toMatch(/<tr data-sku="tea">\s*<td>Earl Grey tea<\/td>\s*<td>2<\/td>\s*<td>9\.00<\/td>/);
      expect(main).not.toContain('data-sku="mug"');
      // The JSON API sees the same session data.
      expect((await browser.get('/api/settings')).body).toEqual({ theme: 'dark' });
      expect((await browser.get('/api/cart')).body.itemCount).toBe(2);
    });

    it('signs out through the form: 303 with a notice, the cookie cleared and dead', async () => {
      await browser.post('/signin', ALICE, 'form');
      const oldCookie = browser.cookie!;
      const response = await browser.post('/signout', {}, 'form');
      expectStatus(response, 303);
      expect(response.headers.location).toBe('/?notice=signed-out');
      expect(setCookieFor(response)).toMatch(/^sid=; .*Max-Age=0/);
      expect(browser.cookie).toBeUndefined();
      expect(mainOf(await browser.get('/?notice=signed-out'))).toContain('You are signed out.');
      browser.cookie = oldCookie;
      const page = mainOf(await browser.get('/'));
      expect(page).toContain('action="/signin"');
      expect(page).not.toContain('Alice');
    });

    it('sends a form posted without a session back to the sign-in form', async () => {
      for (const [path, body] of [
        ['/cart', { sku: 'tea', quantity: '1' }],
        ['/theme', { theme: 'dark' }],
        ['/cart/remove', { sku: 'tea' }],
      ] as const) {
        const response = await browser.post(path, body, 'form');
        expectStatus(response, 303);
        expect(response.headers.location).toBe('/?notice=signin-required');
      }
      expect(mainOf(await browser.get('/?notice=signin-required'))).toContain('Please sign in first.');
    });

    it('answers a bad form value with a 400 HTML page', async () => {
      await browser.post('/signin', ALICE, 'form');
      const response = await browser.post('/cart', { sku: 'tea', quantity: 'lots' }, 'form');
      expectStatus(response, 400);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(mainOf(response)).toContain('&quot;quantity&quot; must be a whole number from 1 to 99');
    });

    it('refuses a form posted from another site (login CSRF): 403, no session', async () => {
      const fromOrigin = await browser.post('/signin', ALICE, 'form', { Origin: 'https://evil.example' });
      expectStatus(fromOrigin, 403);
      const fromFetchMetadata = await browser.post('/signin', ALICE, 'form', { 'Sec-Fetch-Site': 'cross-site' });
      expectStatus(fromFetchMetadata, 403);
      expect(browser.cookie).toBeUndefined();
      const sameOrigin = await browser.post('/signin', ALICE, 'form', { 'Sec-Fetch-Site': 'same-origin' });
      expectStatus(sameOrigin, 303);
    });
  });

  describe('HTML escaping', () => {
    it('escapes product names: markup characters in the catalogue show as text', async () => {
      await browser.post('/signin', ALICE, 'form');
      await browser.post('/cart', { sku: 'jam', quantity: '1' }, 'form');
      const main = mainOf(await browser.get('/'));
      expect(main).toContain('<td>Jam &amp; clotted cream &quot;deluxe&quot;</td>');
      expect(main).not.toContain('Jam & clotted');
      expect(main).not.toContain('"deluxe"');
    });

    it('a product name posted as sku comes back escaped in the error page, never as markup', async () => {
      await browser.post('/signin', ALICE, 'form');
      const sku = '<img src=x onerror=alert(1)>';
      const response = await browser.post('/cart', { sku, quantity: '1' }, 'form');
      expectStatus(response, 400);
      expect(response.text).not.toContain('<img');
      expect(mainOf(response)).toContain('Unknown product &quot;&lt;img src=x onerror=alert(1)&gt;&quot;');
      expect(mainOf(await browser.get('/'))).not.toContain('<img');
    });

    it('a theme with markup is refused and never reaches the page', async () => {
      await browser.post('/signin', ALICE, 'form');
      const theme = 'dark"><script>alert(1)</script>';
      const response = await browser.post('/theme', { theme }, 'form');
      expectStatus(response, 400);
      expect(response.text).not.toContain('<script>');
      const page = await browser.get('/');
      expect(page.text).toContain('<body class="theme-light">');
      expect(page.text).not.toContain('<script>');
    });

    it('a notice in the query string picks a fixed message and never echoes text', async () => {
      const page = await browser.get(`/?notice=${encodeURIComponent('<script>alert(1)</script>')}`);
      expectStatus(page, 200);
      expect(page.text).not.toContain('<script>');
      expect(page.text).not.toContain('alert(1)');
      expect(mainOf(page)).not.toContain('class="notice"');
    });
  });

  (store === 'redis' ? describe : describe.skip)('with Redis', () => {
    it('keeps the session in Redis with a TTL, and another app instance with the same secret accepts it', async () => {
      const inspector = redis!.client();
      await inspector.flushall();
      await signIn();
      await browser.post('/api/cart', { sku: 'tea', quantity: 2 });
      try {
        const keys = await inspector.keys('sess:{*');
        expect(keys).toHaveLength(1);
        expect(await inspector.pttl(keys[0]!)).toBeGreaterThan(0);
      } finally {
        inspector.disconnect();
      }
      // A second instance (a restart, or another replica behind a load balancer) sees the same session.
      const other = await createSampleApp({ adapter, redisUrl: redis!.url, sessionSecret: TEST_SECRET, logger: false });
      try {
        const elsewhere = new SampleBrowser(other.getHttpServer() as HttpServer);
        elsewhere.cookie = browser.cookie;
        expect((await elsewhere.get('/api/cart')).body.itemCount).toBe(2);
        expect((await elsewhere.get('/api/profile')).body.user.username).toBe('alice');
      } finally {
        await other.close();
      }
    });
  });
});
