import type { INestApplication } from '@nestjs/common';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { devices, type Browser, type BrowserContext, type Cookie, type Locator, type Page } from 'playwright-core';
import { createSampleApp } from '../apps/sample/src/sample-app.factory.js';
import { chromiumMissing, launchChromium } from './support/browser-chromium.js';
import { selfSignedCertificate, serveHttps } from './support/browser-https.js';
import { startRedis, type TestRedis } from './support/redis-fixture.js';
import { TEST_SECRET } from './support/test-app.js';

/*
 * The sample app's HTML pages in a real browser: headless Chromium (Debian's package) through
 * playwright-core. What the browser actually stores is checked, not only what the server sends.
 */

const missing = chromiumMissing();
if (missing !== undefined) {
  // In CI a missing browser is a broken setup, never a reason to pass.
  if (process.env.CI) throw new Error(`The browser tests must run in CI, but ${missing}`);
  console.warn(`test/browser.e2e-spec.ts SKIPPED: ${missing}`);
}
const describeInBrowser = missing === undefined ? describe : describe.skip;

/**
 * Screenshots go to docs/screenshots (shown in the README) with UPDATE_SCREENSHOTS=1; otherwise to a
 * temporary directory, removed afterwards, so a test run does not rewrite committed images (their clocks
 * and IDs differ every time).
 */
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const DOCS_SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../docs/screenshots');
let screenshots: string;

/** The laptop: a desktop-sized window (and Chromium's user agent, see `newContext`). */
const DESKTOP = { viewport: { width: 960, height: 720 } };
/** The second device: an Android tablet, by Playwright's device emulation (at 1× so screenshots stay small). */
const TABLET = { ...devices['Galaxy Tab S9'], deviceScaleFactor: 1 };
/** A phone 390 CSS pixels wide (an iPhone 13), the narrowest screen the pages are checked on. */
const PHONE = { ...devices['iPhone 13'], deviceScaleFactor: 1 };

const ALICE = { username: 'alice', password: 'wonderland' };

/** The one session cookie the browser holds for the app, whatever its name. */
function sessionCookies(cookies: Cookie[]): Cookie[] {
  return cookies.filter((cookie) => cookie.name === 'sid' || cookie.name === '__Host-sid');
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

/** Fills in and posts the sign-in form; resolves the `Set-Cookie` header of the form's response. */
async function signIn(page: Page, base: string): Promise<string | null> {
  await page.goto(`${base}/`);
  await page.locator('input[name="username"]').fill(ALICE.username);
  await page.locator('input[name="password"]').fill(ALICE.password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${base}/signin`),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  await page.locator('.user-name').waitFor();
  return response.headerValue('set-cookie');
}

/** Follows a link or submits a form, and waits until the page it leads to (after redirects) has loaded. */
async function submit(page: Page, target: Locator): Promise<void> {
  await Promise.all([page.waitForEvent('load'), target.click()]);
}

/** The base URL of an app listening on loopback. */
async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  return `http://127.0.0.1:${port}`;
}

describeInBrowser('the sample app in Chromium', () => {
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  async function newContext(options: Parameters<Browser['newContext']>[0]): Promise<BrowserContext> {
    const context = await browser.newContext({
      ...options,
      userAgent: options?.userAgent ?? (await defaultUserAgent()),
    });
    // Fail with the step that is stuck, well before the test's own timeout.
    context.setDefaultTimeout(10_000);
    contexts.push(context);
    return context;
  }

  let userAgent: string | undefined;
  /** Chromium's own user agent, as it sends it: with the "HeadlessChrome" of a browser under automation. */
  async function defaultUserAgent(): Promise<string> {
    if (userAgent === undefined) {
      const probe = await browser.newPage();
      userAgent = await probe.evaluate<string>('navigator.userAgent');
      await probe.close();
    }
    return userAgent;
  }

  beforeAll(async () => {
    screenshots = UPDATE_SCREENSHOTS ? DOCS_SCREENSHOTS : mkdtempSync(join(tmpdir(), 'nrs-screenshots-'));
    mkdirSync(screenshots, { recursive: true });
    browser = await launchChromium();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  afterAll(async () => {
    await browser?.close();
    if (!UPDATE_SCREENSHOTS && screenshots !== undefined) rmSync(screenshots, { recursive: true, force: true });
  });

  describe.each(['memory', 'redis'] as const)('with the %s store, over HTTP', (store) => {
    let redis: TestRedis | undefined;
    let app: INestApplication;
    let base: string;

    beforeAll(async () => {
      if (store === 'redis') redis = await startRedis();
      app = await createSampleApp({
        adapter: 'express',
        redisUrl: redis?.url,
        sessionSecret: TEST_SECRET,
        logger: false,
      });
      base = await listen(app);
    });

    afterAll(async () => {
      await app?.close();
      await redis?.destroy();
    });

    it('signs in, keeps the cart across a reload, and is signed out from a second device', async () => {
      // Screenshots of the run with Redis: the pages say where sessions are kept.
      const shoot = store === 'redis' ? screenshot : () => Promise.resolve();
      const laptop = await newContext(DESKTOP);
      const page = await laptop.newPage();

      await page.goto(`${base}/`);
      await shoot(page, 'sign-in');
      const setCookie = await signIn(page, base);

      // What the server sent, and what the browser kept: a host-only, HttpOnly, SameSite=Lax session cookie
      // named plain `sid` over HTTP (no `Secure`, so no `__Host-` prefix), living until the browser closes.
      expect(setCookie).toMatch(/^sid=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
      expect(sessionCookies(await laptop.cookies())).toEqual([
        {
          name: 'sid',
          value: expect.any(String),
          domain: '127.0.0.1', // host-only: a cookie with a Domain attribute would show as ".127.0.0.1"
          path: '/',
          expires: -1,
          httpOnly: true,
          secure: false,
          sameSite: 'Lax',
        },
      ]);
      expect(await page.evaluate<string>('document.cookie')).toBe(''); // HttpOnly: invisible to scripts

      // Two packs of scones in the cart; a reload shows them again, from the session.
      await page.locator('select[name="sku"]').selectOption('scones');
      await page.locator('input[name="quantity"]').fill('2');
      await submit(page, page.getByRole('button', { name: 'Add to cart' }));
      await page.reload();
      const line = page.locator('tr[data-sku="scones"] td');
      expect(await line.allTextContents()).toEqual(['Scones (pack of 4)', '2', '£12.00', expect.any(String)]);
      await shoot(page, 'cart');

      // The same user signs in on a tablet: the laptop's Devices page lists both.
      const tablet = await newContext(TABLET);
      const tabletPage = await tablet.newPage();
      await signIn(tabletPage, base);
      await submit(page, page.getByRole('link', { name: 'Your devices' }));
      expect(await page.locator('tr[data-public-id]').count()).toBe(2);
      // Headless Chromium says "HeadlessChrome" in its User-Agent: still Chrome to the person reading the list.
      expect(await defaultUserAgent()).toContain('HeadlessChrome/');
      expect(await page.locator('tr.current .device-name').textContent()).toMatch(/^Chrome \d+ on Linux$/);
      expect(await page.locator('tr:not(.current) .device-name').textContent()).toMatch(/^Chrome \d+ on Android$/);
      await shoot(page, 'devices');

      // From the tablet, sign the laptop out.
      await tabletPage.goto(`${base}/devices`);
      await submit(
        tabletPage,
        tabletPage.locator('tr[data-public-id]:not(.current)').getByRole('button', { name: 'Sign out' }),
      );
      expect(await tabletPage.locator('.notice').textContent()).toBe('That device is signed out.');
      expect(await tabletPage.locator('tr[data-public-id]').count()).toBe(1);
      await shoot(tabletPage, 'devices-tablet');

      // The laptop's next page load finds itself signed out.
      await page.reload();
      expect(page.url()).toBe(`${base}/?notice=signin-required`);
      expect(await page.locator('.notice').textContent()).toBe('Please sign in first.');
      await page.locator('form[action="/signin"]').waitFor();

      // The tablet signs out: the browser drops its cookie.
      await tabletPage.goto(`${base}/`);
      await submit(tabletPage, tabletPage.getByRole('button', { name: 'Sign out' }));
      expect(await tabletPage.locator('.notice').textContent()).toBe('You are signed out.');
      expect(sessionCookies(await tablet.cookies())).toEqual([]);
    });
  });

  describe('on a phone 390 pixels wide', () => {
    let app: INestApplication;
    let base: string;

    beforeAll(async () => {
      app = await createSampleApp({
        adapter: 'express',
        redisUrl: undefined,
        sessionSecret: TEST_SECRET,
        logger: false,
      });
      base = await listen(app);
    });

    afterAll(async () => {
      await app?.close();
    });

    /** Whatever sticks out of the viewport sideways: the page's own width, and the elements past its right edge. */
    async function overflow(page: Page, selector: string): Promise<{ pageWidth: number; outside: string[] }> {
      // A string, run in the page: this program has no DOM types.
      return page.evaluate<{ pageWidth: number; outside: string[] }>(`(() => {
        const width = window.innerWidth;
        const outside = [...document.querySelectorAll(${JSON.stringify(selector)})]
          .filter((element) => {
            const box = element.getBoundingClientRect();
            return box.left < 0 || box.right > width;
          })
          .map((element) => element.tagName.toLowerCase() + ' "' + (element.textContent ?? '').trim() + '"');
        return { pageWidth: document.documentElement.scrollWidth, outside };
      })()`);
    }

    it('shows the Devices page without sideways scrolling, every Sign out button on screen', async () => {
      // Three devices: two desktop browsers and the phone, so the list holds long rows.
      for (let i = 0; i < 2; i++) await signIn(await (await newContext(DESKTOP)).newPage(), base);
      const phone = await (await newContext(PHONE)).newPage();
      await signIn(phone, base);
      expect(phone.viewportSize()?.width).toBe(390);

      await phone.goto(`${base}/devices`);
      expect(await phone.locator('tr[data-public-id]').count()).toBe(3);
      expect(await overflow(phone, 'main *')).toEqual({ pageWidth: 390, outside: [] });
      const buttons = phone.getByRole('button', { name: 'Sign out', exact: true });
      expect(await buttons.count()).toBe(3);
      for (const button of await buttons.all()) expect(await button.isVisible()).toBe(true);
      await screenshot(phone, 'devices-phone');

      // The shop itself fits too, cart included.
      await phone.goto(`${base}/`);
      await phone.locator('select[name="sku"]').selectOption('jam');
      await submit(phone, phone.getByRole('button', { name: 'Add to cart' }));
      expect(await overflow(phone, 'main *')).toEqual({ pageWidth: 390, outside: [] });
    });
  });

  describe('over HTTPS, with a self-signed certificate', () => {
    const certificate = selfSignedCertificate();
    const itWithTls = certificate === undefined ? it.skip : it;
    if (certificate === undefined)
      console.warn('HTTPS browser test SKIPPED: openssl not found (apt-get install -y openssl)');

    let app: INestApplication;
    let https: { url: string; close(): Promise<void> } | undefined;

    beforeAll(async () => {
      if (certificate === undefined) return;
      app = await createSampleApp({
        adapter: 'express',
        redisUrl: undefined,
        sessionSecret: TEST_SECRET,
        logger: false,
      });
      // The app's Express instance behind Node's HTTPS server: requests arrive over TLS, as in production.
      https = await serveHttps(app.getHttpAdapter().getInstance() as RequestListener, certificate);
    });

    afterAll(async () => {
      await https?.close();
      await app?.close();
    });

    itWithTls(
      'stores the session cookie as __Host-sid: Secure, host-only, Path=/, HttpOnly, SameSite=Lax',
      async () => {
        const base = https!.url;
        const context = await newContext({ ...DESKTOP, ignoreHTTPSErrors: true });
        const page = await context.newPage();
        const setCookie = await signIn(page, base);

        expect(setCookie).toMatch(/^__Host-sid=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
        expect(sessionCookies(await context.cookies())).toEqual([
          {
            name: '__Host-sid',
            value: expect.any(String),
            domain: '127.0.0.1',
            path: '/',
            expires: -1,
            httpOnly: true,
            secure: true,
            sameSite: 'Lax',
          },
        ]);
        // The browser accepted the prefixed cookie and sends it back: still signed in after a reload.
        await page.reload();
        expect(await page.locator('.user-name').textContent()).toBe('Alice Liddell');

        await submit(page, page.getByRole('button', { name: 'Sign out' }));
        expect(sessionCookies(await context.cookies())).toEqual([]);
      },
    );
  });
});
