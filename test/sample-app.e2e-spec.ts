import { jest } from '@jest/globals';
import { Logger, type INestApplication } from '@nestjs/common';
import { SessionRepository } from 'nest-redis-session';
import request, { type Response } from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSampleConfig } from '../apps/sample/src/config/sample-config.js';
import { createSampleApp } from '../apps/sample/src/sample-app.factory.js';
import { setCookieFor } from './support/cookies.js';
import { startRedis, type TestRedis } from './support/redis-fixture.js';
import { SampleBrowser, type HttpServer } from './support/sample-browser.js';
import { TEST_SECRET } from './support/test-app.js';

const ADAPTER_NAMES = ['express', 'fastify'] as const;
const STORES = ['memory', 'redis'] as const;
/** Every adapter with every store: the sample must behave the same on all four. */
const SETUPS = ADAPTER_NAMES.flatMap((adapter) => STORES.map((store) => [adapter, store] as const));

/**
 * These scenarios sign the demo users in far more often than the sample's sign-in rate limit allows;
 * test/sample-sign-in-limit.e2e-spec.ts tests the limit itself.
 */
const UNTHROTTLED = {
  logger: false,
  signInLimits: { perIp: 1_000_000, perUsername: 1_000_000, windowMs: 60_000 },
} as const;

const ALICE = { username: 'alice', password: 'wonderland' };
const BOB = { username: 'bob', password: 'builder' };

/** The home page's markup between `<main>` and `</main>`: what the user sees, without the inline CSS. */
function mainOf(response: Response): string {
  const match = /<main>([\s\S]*)<\/main>/.exec(response.text);
  if (match === null) throw new Error(`no <main> in the page (status ${response.status})`);
  return match[1]!;
}

/** A row of the Devices page's table. */
interface DeviceRow {
  readonly publicId: string;
  readonly current: boolean;
  /** The row's cells. */
  readonly markup: string;
}

/** The rows of the Devices page's table, in page order. */
function deviceRows(main: string): DeviceRow[] {
  return [...main.matchAll(/<tr data-public-id="([^"]+)"\s*(class="current")?\s*>([\s\S]*?)<\/tr>/g)].map((match) => ({
    publicId: match[1]!,
    current: match[2] !== undefined,
    markup: match[3]!,
  }));
}

/** What the pages' escaping should turn text into (the five characters of `html.ts`). */
function escapeForTest(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Status, and that it is not a server error, in one assertion message. */
function expectStatus(response: Response, status: number): void {
  expect({ status: response.status, body: response.body as unknown }).toMatchObject({ status });
}

describe.each(SETUPS)('sample app on %s with the %s store', (adapter, store) => {
  let redis: TestRedis | undefined;
  let app: INestApplication;
  let browser: SampleBrowser;

  beforeAll(async () => {
    if (store === 'redis') redis = await startRedis();
    app = await createSampleApp({ ...UNTHROTTLED, adapter, redisUrl: redis?.url, sessionSecret: TEST_SECRET });
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
      expect(session.publicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
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
      expect((await browser.get('/api/cart')).body).toEqual({
        lines: [],
        itemCount: 0,
        totalCents: 0,
        currency: 'GBP',
      });
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
        currency: 'GBP',
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

    it('cookie tossing: with two valid session cookies the home page clears neither, and says why', async () => {
      await signIn();
      const victim = browser.cookie!;
      const attacker = new SampleBrowser(server());
      await attacker.post('/api/login', { username: 'bob', password: 'builder' });
      // A sibling subdomain on plain HTTP planted its own `sid` (Domain=parent): the browser sends both.
      browser.cookie = `${victim}; ${attacker.cookie!}`;
      const response = await browser.get('/');
      expectStatus(response, 200);
      expect(setCookieFor(response)).toBeUndefined();
      expect(mainOf(response)).toContain('two session cookies');
      expect(mainOf(response)).not.toContain('Bob');
    });

    it('a page loaded with the previous cookie right after signing in as someone else does not clear the new one', async () => {
      await signIn();
      const before = browser.cookie;
      await browser.post('/signin', { username: 'bob', password: 'builder' }, 'form');
      const stale = new SampleBrowser(server());
      stale.cookie = before;
      const response = await stale.get('/');
      expectStatus(response, 200);
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
      expect(main).toMatch(/<tr data-sku="tea">\s*<td>Earl Grey tea<\/td>\s*<td>2<\/td>\s*<td>£9\.00<\/td>/);
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

  describe('error pages', () => {
    /** Checks that a response is a page of the shop, in `theme`, saying `status`. */
    function expectErrorPage(response: Response, status: number, theme = 'light'): string {
      expectStatus(response, status);
      expect(response.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
      expect(response.text).toContain(`<body class="theme-${theme}">`);
      expect(response.text).toContain('<link rel="icon" href="/favicon.svg"');
      const main = mainOf(response);
      expect(main).toContain(`Error ${status}.`);
      expect(main).toContain('<a href="/">Back to the shop</a>');
      return main;
    }

    it('answers every error in the browser with a page of the shop: 404, the CSRF 403, a 413, a bad form value', async () => {
      expect(expectErrorPage(await browser.get('/no-such-page'), 404)).toContain('Page not found');
      const csrf = await browser.post('/signin', ALICE, 'form', { Origin: 'https://evil.example' });
      expect(expectErrorPage(csrf, 403)).toContain('Request refused');
      const huge = await browser.post('/signin', { username: 'alice', password: 'x'.repeat(2 * 1024 * 1024) }, 'form');
      expect(expectErrorPage(huge, 413)).toContain('Too much data');
      await browser.post('/signin', ALICE, 'form');
      const bad = await browser.post('/cart', { sku: 'tea', quantity: 'lots' }, 'form');
      expect(expectErrorPage(bad, 400)).toContain('&quot;quantity&quot; must be a whole number from 1 to 99');
    });

    it("shows error pages in the user's theme, also for errors no handler saw", async () => {
      await browser.post('/signin', ALICE, 'form');
      await browser.post('/theme', { theme: 'dark' }, 'form');
      // The home page keeps a copy of the theme in a cookie of its own, for pages without a session.
      const home = await request(server()).get('/').set('Cookie', browser.cookie!);
      const themeCookie = setCookieFor(home, 'theme');
      expect(themeCookie).toBe('theme=dark; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax');
      const cookies = `${browser.cookie!}; ${themeCookie!.split(';')[0]!}`;
      const notFound = await request(server()).get('/no-such-page').set('Cookie', cookies);
      expectErrorPage(notFound, 404, 'dark');
      const bad = await request(server())
        .post('/cart')
        .set('Cookie', cookies)
        .type('form')
        .send({ sku: 'tea', quantity: 'lots' });
      expectErrorPage(bad, 400, 'dark');
      // A page that already sees the right copy sends no new one.
      expect(setCookieFor(await request(server()).get('/').set('Cookie', cookies), 'theme')).toBeUndefined();
    });

    it('keeps JSON errors on the JSON API: 404, the CSRF 403, 413, 400', async () => {
      const expectJson = (response: Response, status: number): void => {
        expectStatus(response, status);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.body.statusCode).toBe(status);
      };
      expectJson(await browser.get('/api/no-such-route'), 404);
      expectJson(await browser.post('/api/login', ALICE, 'json', { Origin: 'https://evil.example' }), 403);
      expectJson(await browser.post('/api/login', { username: 'alice', password: 'x'.repeat(2 * 1024 * 1024) }), 413);
      expectJson(await browser.post('/api/login', { username: 'alice' }), 400);
    });

    it('sends an empty sign-in back to the form with a notice, not to an error page', async () => {
      for (const body of [{}, { username: '', password: '' }, { username: 'alice', password: '' }, { username: ' ' }]) {
        const response = await browser.post('/signin', body, 'form');
        expectStatus(response, 303);
        expect(response.headers.location).toBe('/?notice=signin-incomplete');
      }
      expect(browser.cookie).toBeUndefined();
      const main = mainOf(await browser.get('/?notice=signin-incomplete'));
      expect(main).toContain('Enter your username and password.');
      expect(main).toContain('<form method="post" action="/signin">');
    });

    it('serves a favicon without touching the session', async () => {
      const icon = await browser.get('/favicon.svg');
      expectStatus(icon, 200);
      expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
      expect(String(icon.body)).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(setCookieFor(icon)).toBeUndefined();
      const legacy = await browser.get('/favicon.ico');
      expectStatus(legacy, 301);
      expect(legacy.headers.location).toBe('/favicon.svg');
    });

    it('shows prices with their currency', async () => {
      await browser.post('/signin', ALICE, 'form');
      await browser.post('/cart', { sku: 'mug', quantity: '2' }, 'form');
      const main = mainOf(await browser.get('/'));
      expect(main).toContain('<option value="tea">Earl Grey tea (£4.50)</option>');
      expect(main).toMatch(/<tr data-sku="mug">\s*<td>Nest mug<\/td>\s*<td>2<\/td>\s*<td>£24\.00<\/td>/);
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

  describe('Devices', () => {
    const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
    const SAFARI_IPHONE =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
      'Version/17.5 Mobile/15E148 Safari/604.1';
    const CHROME_WINDOWS =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

    beforeEach(async () => {
      // Earlier tests left sessions of the demo users behind (up to the limit): each scenario starts with none.
      const sessions = app.get(SessionRepository);
      await sessions.revokeAllForUser('u-alice');
      await sessions.revokeAllForUser('u-bob');
    });

    /** A new browser (its own cookie jar) on `on`, signed in; resolves it and its session's public ID. */
    async function device(
      userAgent: string,
      credentials = ALICE,
      on: INestApplication = app,
    ): Promise<{ browser: SampleBrowser; publicId: string }> {
      const other = new SampleBrowser(on.getHttpServer() as HttpServer, userAgent);
      expectStatus(await other.post('/api/login', credentials), 201);
      const profile = await other.get('/api/profile');
      expectStatus(profile, 200);
      return { browser: other, publicId: profile.body.session.publicId as string };
    }

    it('GET /api/devices: both devices of the user, newest first, each browser marking its own', async () => {
      const laptop = await device(FIREFOX_LINUX);
      const phone = await device(SAFARI_IPHONE);
      await device(CHROME_WINDOWS, BOB);

      const fromLaptop = await laptop.browser.get('/api/devices');
      expectStatus(fromLaptop, 200);
      expect(fromLaptop.headers['cache-control']).toBe('no-store');
      expect(fromLaptop.body).toMatchObject({ maxSessionsPerUser: 3, onSessionLimit: 'evict-oldest' });
      const devices = fromLaptop.body.devices as Array<Record<string, unknown>>;
      expect(devices.map((d) => [d.publicId, d.current, d.description])).toEqual([
        [phone.publicId, false, 'Safari 17 on iPhone'],
        [laptop.publicId, true, 'Firefox 128 on Linux'],
      ]);
      for (const entry of devices) {
        expect(Object.keys(entry).sort()).toEqual(
          ['createdAt', 'current', 'description', 'expiresAt', 'ip', 'lastSeenAt', 'publicId'].sort(),
        );
        expect(entry.ip).toMatch(/127\.0\.0\.1|::1/);
        const createdAt = Date.parse(entry.createdAt as string);
        expect(createdAt).toBeLessThanOrEqual(Date.parse(entry.lastSeenAt as string));
        expect(Date.parse(entry.expiresAt as string)).toBeGreaterThan(Date.now());
      }
      // Never the raw session ID of either device, only public IDs.
      for (const { browser: each } of [laptop, phone]) {
        expect(fromLaptop.text).not.toContain(each.cookie!.slice('sid='.length).split('.')[0]);
      }

      const fromPhone = await phone.browser.get('/api/devices');
      expect((fromPhone.body.devices as Array<{ current: boolean }>).map((d) => d.current)).toEqual([true, false]);
    });

    it('the Devices page lists the devices, marks this one and shows the limit; the home page links to it', async () => {
      const laptop = await device(FIREFOX_LINUX);
      const phone = await device(SAFARI_IPHONE);
      expect(mainOf(await laptop.browser.get('/'))).toContain('<a href="/devices">Your devices</a>');

      const page = await laptop.browser.get('/devices');
      expectStatus(page, 200);
      expect(page.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
      expect(page.headers['cache-control']).toBe('no-store');
      const main = mainOf(page);
      expect(main).toContain('You can be signed in on up to 3 devices at once');
      expect(main).toContain('signing in on another signs out the one you signed in on longest ago');
      const rows = deviceRows(main);
      expect(rows.map((row) => [row.publicId, row.current])).toEqual([
        [phone.publicId, false],
        [laptop.publicId, true],
      ]);
      expect(rows[0]!.markup).toContain('<strong class="device-name">Safari 17 on iPhone</strong>');
      expect(rows[0]!.markup).not.toContain('this device');
      expect(rows[1]!.markup).toContain('<strong class="device-name">Firefox 128 on Linux</strong>');
      expect(rows[1]!.markup).toContain('<span class="this-device">(this device)</span>');
      for (const row of rows) {
        expect(row.markup).toContain('<form class="inline" method="post" action="/devices/sign-out">');
        expect(row.markup).toContain(`<input type="hidden" name="publicId" value="${row.publicId}" />`);
      }
      expect(main).toContain('<form method="post" action="/devices/sign-out-others">');
    });

    it('a signed-out visitor gets 401 from the API and the sign-in form instead of the page', async () => {
      expectStatus(await browser.get('/api/devices'), 401);
      expectStatus(await browser.delete(`/api/devices/${'A'.repeat(22)}`), 401);
      expectStatus(await browser.post('/api/devices/sign-out-others'), 401);
      const page = await browser.get('/devices');
      expectStatus(page, 303);
      expect(page.headers.location).toBe('/?notice=signin-required');
      const form = await browser.post('/devices/sign-out-others', {}, 'form');
      expectStatus(form, 303);
      expect(form.headers.location).toBe('/?notice=signin-required');
      expect(mainOf(await browser.get('/'))).not.toContain('href="/devices"');
    });

    it('browser B signs out A with the per-row form: A is signed out at its next request, B stays', async () => {
      const a = await device(FIREFOX_LINUX);
      const b = await device(SAFARI_IPHONE);
      const cookieOfB = b.browser.cookie;
      const response = await b.browser.post('/devices/sign-out', { publicId: a.publicId }, 'form');
      expectStatus(response, 303);
      expect(response.headers.location).toBe('/devices?notice=device-signed-out');
      expect(b.browser.cookie).toBe(cookieOfB);

      const page = mainOf(await b.browser.get(response.headers.location!));
      expect(page).toContain('That device is signed out.');
      expect(deviceRows(page).map((row) => [row.publicId, row.current])).toEqual([[b.publicId, true]]);
      expect(page).toContain('You are not signed in anywhere else.');
      expect(page).not.toContain('action="/devices/sign-out-others"');

      expectStatus(await a.browser.get('/api/profile'), 401);
      const home = mainOf(await a.browser.get('/'));
      expect(home).toContain('action="/signin"');
      expect(home).not.toContain('Alice');
      // session.rejection tells the page why; the page then drops the dead cookie, so it says so once.
      expect(home).toContain('You were signed out.');
      expect(a.browser.cookie).toBeUndefined();
      expect(mainOf(await a.browser.get('/'))).not.toContain('class="notice"');
      expectStatus(await b.browser.get('/api/profile'), 200);
    });

    it('DELETE /api/devices/:publicId signs another device out; the same again is 404', async () => {
      const a = await device(FIREFOX_LINUX);
      const b = await device(SAFARI_IPHONE);
      const response = await b.browser.delete(`/api/devices/${a.publicId}`);
      expectStatus(response, 200);
      expect(response.body).toEqual({ revoked: true, current: false });
      expect(setCookieFor(response)).toBeUndefined();
      expectStatus(await a.browser.get('/api/cart'), 401);
      expectStatus(await b.browser.delete(`/api/devices/${a.publicId}`), 404);
      expect((await b.browser.get('/api/devices')).body.devices).toHaveLength(1);
    });

    it('signing out this device from the list signs this browser out cleanly: cookie cleared, session gone', async () => {
      const a = await device(FIREFOX_LINUX);
      const b = await device(SAFARI_IPHONE);
      const oldCookie = a.browser.cookie!;
      const form = await a.browser.post('/devices/sign-out', { publicId: a.publicId }, 'form');
      expectStatus(form, 303);
      expect(form.headers.location).toBe('/?notice=signed-out');
      expect(setCookieFor(form)).toMatch(/^sid=; .*Max-Age=0/);
      expect(a.browser.cookie).toBeUndefined();
      a.browser.cookie = oldCookie;
      expectStatus(await a.browser.get('/api/profile'), 401);

      // The same through the API, from the other browser's point of view.
      const api = await b.browser.delete(`/api/devices/${b.publicId}`);
      expectStatus(api, 200);
      expect(api.body).toEqual({ revoked: true, current: true });
      expect(setCookieFor(api)).toMatch(/^sid=; .*Max-Age=0/);
      expect(b.browser.cookie).toBeUndefined();
      expectStatus(await b.browser.get('/api/devices'), 401);
    });

    it('"Sign out all other devices" (form) leaves only this one signed in', async () => {
      const a = await device(FIREFOX_LINUX);
      const b = await device(SAFARI_IPHONE);
      const c = await device(CHROME_WINDOWS);
      const bob = await device(FIREFOX_LINUX, BOB);
      const response = await a.browser.post('/devices/sign-out-others', {}, 'form');
      expectStatus(response, 303);
      expect(response.headers.location).toBe('/devices?notice=others-signed-out');
      const page = mainOf(await a.browser.get(response.headers.location!));
      expect(page).toContain('All your other devices are signed out.');
      expect(deviceRows(page).map((row) => row.publicId)).toEqual([a.publicId]);
      for (const other of [b, c]) expectStatus(await other.browser.get('/api/profile'), 401);
      expectStatus(await a.browser.get('/api/profile'), 200);
      // Another user's sessions are not "other devices".
      expectStatus(await bob.browser.get('/api/profile'), 200);
    });

    it('POST /api/devices/sign-out-others answers how many devices it signed out', async () => {
      const a = await device(FIREFOX_LINUX);
      const b = await device(SAFARI_IPHONE);
      const response = await a.browser.post('/api/devices/sign-out-others');
      expectStatus(response, 200);
      expect(response.body).toEqual({ signedOut: 1 });
      expectStatus(await b.browser.get('/api/profile'), 401);
      expect((await a.browser.post('/api/devices/sign-out-others')).body).toEqual({ signedOut: 0 });
    });

    it("cannot sign out another user's device: 404 from the API, 'already signed out' from the form", async () => {
      const alice = await device(FIREFOX_LINUX);
      const bob = await device(SAFARI_IPHONE, BOB);
      const api = await alice.browser.delete(`/api/devices/${bob.publicId}`);
      expectStatus(api, 404);
      // The same answer as for a public ID that belongs to nobody: nothing to learn about other users.
      const unknown = await alice.browser.delete(`/api/devices/${'A'.repeat(22)}`);
      expectStatus(unknown, 404);
      expect(unknown.body.message).toBe(api.body.message);
      const form = await alice.browser.post('/devices/sign-out', { publicId: bob.publicId }, 'form');
      expectStatus(form, 303);
      expect(form.headers.location).toBe('/devices?notice=device-not-found');
      expect(mainOf(await alice.browser.get(form.headers.location!))).toContain('That device was already signed out.');
      expectStatus(await bob.browser.get('/api/profile'), 200);
      expect((await bob.browser.get('/api/devices')).body.devices).toHaveLength(1);
    });

    it.each([
      ['too short', 'abc'],
      ['too long', 'A'.repeat(23)],
      ['as long as a SHA-256', 'A'.repeat(43)],
      ['markup', encodeURIComponent('<script>alert</script>')],
    ])('refuses a device ID that is %s: 400', async (_name, publicId) => {
      const alice = await device(FIREFOX_LINUX);
      expectStatus(await alice.browser.delete(`/api/devices/${publicId}`), 400);
      const form = await alice.browser.post('/devices/sign-out', { publicId: decodeURIComponent(publicId) }, 'form');
      expectStatus(form, 400);
      expect(form.text).not.toContain('<script>');
      expectStatus(await alice.browser.get('/api/profile'), 200);
    });

    it('refuses the device forms posted from another site (CSRF): 403, nobody signed out', async () => {
      const a = await device(FIREFOX_LINUX);
      const b = await device(SAFARI_IPHONE);
      for (const [path, body] of [
        ['/devices/sign-out-others', {}],
        ['/devices/sign-out', { publicId: b.publicId }],
      ] as const) {
        expectStatus(await a.browser.post(path, body, 'form', { Origin: 'https://evil.example' }), 403);
        expectStatus(await a.browser.post(path, body, 'form', { 'Sec-Fetch-Site': 'cross-site' }), 403);
      }
      expectStatus(await b.browser.get('/api/profile'), 200);
      expect((await a.browser.get('/api/devices')).body.devices).toHaveLength(2);
    });

    it('shows an unrecognised client by its own User-Agent, shortened and escaped, never as markup', async () => {
      const start = `<script>alert(1)</script> "quoted" & 'single' `;
      const evil = await device(`${start}${'x'.repeat(100)}`);
      // The library keeps the header's first 64 bytes: 61 of them and "…" (3 bytes in UTF-8).
      const description = `${start}${'x'.repeat(61 - start.length)}…`;
      const main = mainOf(await evil.browser.get('/devices'));
      expect(main).not.toContain('<script>');
      const [row] = deviceRows(main);
      expect(row!.markup).toContain(`<strong class="device-name">${escapeForTest(description)}</strong>`);
      expect(row!.markup).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; &#39;single&#39;');
      // The JSON API returns it as it is: JSON is not HTML.
      expect((await evil.browser.get('/api/devices')).body.devices[0].description).toBe(description);
    });

    describe('the session limit', () => {
      const extraApps: INestApplication[] = [];

      afterEach(async () => {
        await Promise.all(extraApps.splice(0).map((extra) => extra.close()));
      });

      /** Another instance of the sample on the same store kind, with its own limit. */
      async function sampleWithLimit(maxSessionsPerUser: number): Promise<INestApplication> {
        const limited = await createSampleApp({
          ...UNTHROTTLED,
          adapter,
          redisUrl: redis?.url,
          sessionSecret: TEST_SECRET,
          maxSessionsPerUser,
        });
        extraApps.push(limited);
        return limited;
      }

      it('with the default limit of 3, a 4th sign-in signs out the oldest device', async () => {
        const devices = [];
        for (const userAgent of [FIREFOX_LINUX, SAFARI_IPHONE, CHROME_WINDOWS, FIREFOX_LINUX]) {
          devices.push(await device(userAgent));
        }
        const [oldest, ...kept] = devices;
        expectStatus(await oldest!.browser.get('/api/profile'), 401);
        expect(mainOf(await oldest!.browser.get('/'))).toContain('action="/signin"');
        const listed = (await kept[2]!.browser.get('/api/devices')).body.devices as Array<{ publicId: string }>;
        expect(listed.map((d) => d.publicId)).toEqual(kept.map((d) => d.publicId).reverse());
      });

      it('MAX via the factory (2): the oldest is evicted, the page says so, and the eviction is logged', async () => {
        const limited = await sampleWithLimit(2);
        const logged: string[] = [];
        const log = jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => {
          logged.push(String(message));
        });
        try {
          const first = await device(FIREFOX_LINUX, ALICE, limited);
          const second = await device(SAFARI_IPHONE, ALICE, limited);
          const bob = await device(FIREFOX_LINUX, BOB, limited);
          expectStatus(await first.browser.get('/api/profile'), 200);
          const third = await device(CHROME_WINDOWS, ALICE, limited);

          expectStatus(await first.browser.get('/api/profile'), 401);
          expect(mainOf(await first.browser.get('/'))).toContain('action="/signin"');
          for (const signedIn of [second, third, bob]) expectStatus(await signedIn.browser.get('/api/profile'), 200);

          const list = await third.browser.get('/api/devices');
          expect(list.body).toMatchObject({ maxSessionsPerUser: 2, onSessionLimit: 'evict-oldest' });
          expect((list.body.devices as Array<{ publicId: string }>).map((d) => d.publicId)).toEqual([
            third.publicId,
            second.publicId,
          ]);
          expect(mainOf(await third.browser.get('/devices'))).toContain(
            'You can be signed in on up to 2 devices at once; signing in on another signs out the one you signed in on longest ago.',
          );

          // Events arrive after the response, on a later turn of the event loop.
          for (let wait = 0; wait < 50 && !logged.some((line) => line.includes(first.publicId)); wait++) {
            await sleep(10);
          }
          const evictions = logged.filter((line) => line.includes('signed out session'));
          expect(evictions).toEqual([
            `signed out session ${first.publicId} of user "u-alice": the user signed in on one more device than ` +
              'the 2 allowed (maxSessionsPerUser), so the oldest session ended',
          ]);
        } finally {
          log.mockRestore();
        }
      });

      it('MAX 0: no limit, and the page says so', async () => {
        const unlimited = await sampleWithLimit(0);
        const devices = [];
        for (let i = 0; i < 4; i++) devices.push(await device(`${FIREFOX_LINUX} #${i}`, ALICE, unlimited));
        for (const each of devices) expectStatus(await each.browser.get('/api/profile'), 200);
        const list = await devices[0]!.browser.get('/api/devices');
        expect(list.body).toMatchObject({ maxSessionsPerUser: null });
        expect(list.body.devices).toHaveLength(4);
        expect(mainOf(await devices[0]!.browser.get('/devices'))).toContain(
          'You can be signed in on any number of devices.',
        );
      });
    });
  });

  (store === 'redis' ? describe : describe.skip)('with Redis', () => {
    it("started without SESSION_SECRET, lists only this run's sessions: none an earlier run left in Redis", async () => {
      await redis!.inspector.flushall();
      const runs: INestApplication[] = [];
      try {
        let devices: unknown[] = [];
        // Two runs of `npm start` with REDIS_URL and no SESSION_SECRET, one after the other.
        for (let run = 0; run < 2; run++) {
          const config = loadSampleConfig({ REDIS_URL: redis!.url });
          const { redisUrl, sessionSecret, keyPrefix } = config;
          const sample = await createSampleApp({ ...UNTHROTTLED, adapter, redisUrl, sessionSecret, keyPrefix });
          runs.push(sample);
          const user = new SampleBrowser(sample.getHttpServer() as HttpServer);
          expectStatus(await user.post('/api/login', ALICE), 201);
          devices = (await user.get('/api/devices')).body.devices as unknown[];
        }
        // The first run's session cannot be used by any cookie now (its secret is gone): not a device.
        expect(devices).toHaveLength(1);
      } finally {
        await Promise.all(runs.map((run) => run.close()));
      }
    });

    it('keeps the session in Redis with a TTL, and another app instance with the same secret accepts it', async () => {
      const { inspector } = redis!;
      await inspector.flushall();
      await signIn();
      await browser.post('/api/cart', { sku: 'tea', quantity: 2 });
      const keys = await inspector.keys('sess:{*');
      expect(keys).toHaveLength(1);
      expect(await inspector.pttl(keys[0]!)).toBeGreaterThan(0);
      // A second instance (a restart, or another replica behind a load balancer) sees the same session.
      const other = await createSampleApp({
        ...UNTHROTTLED,
        adapter,
        redisUrl: redis!.url,
        sessionSecret: TEST_SECRET,
      });
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
