import type { INestApplication } from '@nestjs/common';
import type { Response } from 'supertest';
import { DEFAULT_SIGN_IN_LIMITS } from '../apps/sample/src/auth/sign-in-limits.js';
import { createSampleApp } from '../apps/sample/src/sample-app.factory.js';
import { SampleBrowser, type HttpServer } from './support/sample-browser.js';
import { ADAPTERS, TEST_SECRET } from './support/test-app.js';

/*
 * The sample's sign-in rate limit (@nestjs/throttler), with the limits it ships with: per client address,
 * and per username whatever the address, shared by the JSON API and the form.
 */

const { perIp, perUsername } = DEFAULT_SIGN_IN_LIMITS;
const WRONG = { username: 'alice', password: 'not-the-password' };
const RIGHT = { username: 'alice', password: 'wonderland' };

describe.each(ADAPTERS)('the sample sign-in rate limit on %s', (adapter) => {
  let app: INestApplication;
  let browser: SampleBrowser;

  beforeEach(async () => {
    // A fresh app each time: the counts live in the app's process.
    app = await createSampleApp({ adapter, redisUrl: undefined, sessionSecret: TEST_SECRET, logger: false });
    browser = new SampleBrowser(app.getHttpServer() as HttpServer);
  });

  afterEach(async () => {
    await app?.close();
  });

  /** Sends `count` sign-ins through the API and resolves their statuses. */
  async function attempts(count: number, credentials: object): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) statuses.push((await browser.post('/api/login', credentials)).status);
    return statuses;
  }

  function expect429(response: Response): void {
    expect(response.status).toBe(429);
    expect(
      Number(response.headers['retry-after-sign-in-username'] ?? response.headers['retry-after-sign-in-ip']),
    ).toBeGreaterThan(0);
  }

  it(`answers ${perUsername} wrong passwords for one username, then 429, even to the right password`, async () => {
    expect(await attempts(perUsername, WRONG)).toEqual(Array<number>(perUsername).fill(401));
    const blocked = await browser.post('/api/login', RIGHT);
    expect429(blocked);
    expect(blocked.headers['content-type']).toMatch(/^application\/json/);
    expect(blocked.body).toEqual({
      statusCode: 429,
      message: 'Too many sign-in attempts. Wait 60 seconds and try again.',
    });
    expect(browser.cookie).toBeUndefined();

    // The form shares the budget, and says so on a page of the shop.
    const form = await browser.post('/signin', RIGHT, 'form');
    expect429(form);
    expect(form.headers['content-type']).toMatch(/^text\/html/);
    expect(form.text).toContain('Too many attempts');
    expect(form.text).toContain('Too many sign-in attempts. Wait 60 seconds and try again.');

    // Another user from the same address is not locked out by alice's count.
    expect((await browser.post('/api/login', { username: 'bob', password: 'builder' })).status).toBe(201);
  });

  it('counts a username however it is spelt: case and spaces do not buy more attempts', async () => {
    const spellings = ['alice', 'ALICE', ' Alice', 'alicE ', 'aLiCe'];
    for (const username of spellings.slice(0, perUsername)) {
      expect((await browser.post('/api/login', { username, password: 'nope' })).status).toBe(401);
    }
    expect429(await browser.post('/api/login', { username: 'Alice', password: 'nope' }));
  });

  it(`answers ${perIp} attempts from one address whatever the usernames, then 429`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i < perIp; i++) {
      statuses.push((await browser.post('/api/login', { username: `guess-${i}`, password: 'nope' })).status);
    }
    expect(statuses).toEqual(Array<number>(perIp).fill(401));
    expect429(await browser.post('/api/login', { username: 'bob', password: 'builder' }));
  });
});
