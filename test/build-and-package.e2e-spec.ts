import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY_ROOT, RunningCommand, runCommand } from './support/commands.js';
import { freePort, RedisServer } from './support/redis-server.js';
import { TEST_SECRET } from './support/test-app.js';

/*
 * The builds a user runs: `nest build` / `nest start` from nest-cli.json. One file on purpose: every test
 * here writes libs/redis-session/dist, and Jest runs files in parallel.
 */

const LIBRARY_DIST = join(REPOSITORY_ROOT, 'libs/redis-session/dist');
const SAMPLE_DIST = join(REPOSITORY_ROOT, 'dist/apps/sample');
const NEST = join(REPOSITORY_ROOT, 'node_modules/.bin/nest');

/** Runs `nest <args>` in the repository and fails with its output unless it exits 0. */
async function nest(...args: string[]): Promise<void> {
  const result = await runCommand(NEST, args);
  if (result.code !== 0)
    throw new Error(`nest ${args.join(' ')} exited ${result.code}:\n${result.stdout}${result.stderr}`);
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

/** Signs in through the sample's JSON API at `base` and fills the cart; resolves the cart's item count. */
async function useTheShop(base: string): Promise<number> {
  const json = { 'content-type': 'application/json' };
  const login = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ username: 'alice', password: 'wonderland' }),
  });
  expect(login.status).toBe(201);
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const add = await fetch(`${base}/api/cart`, {
    method: 'POST',
    headers: { ...json, cookie },
    body: JSON.stringify({ sku: 'tea', quantity: 2 }),
  });
  expect(add.status).toBe(201);
  const cart = (await (await fetch(`${base}/api/cart`, { headers: { cookie } })).json()) as { itemCount: number };
  return cart.itemCount;
}

describe('the Nest CLI builds of nest-cli.json', () => {
  let redis: RedisServer;
  const running: RunningCommand[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((command) => command.stop()));
  });

  afterAll(async () => {
    await redis?.destroy();
  });

  /** Starts a command that serves the sample on a free port, with sessions in the test Redis. */
  async function serveSample(command: string, args: string[]): Promise<string> {
    const port = await freePort();
    const server = RunningCommand.start(command, args, {
      env: { PORT: String(port), REDIS_URL: redis.url, SESSION_SECRET: TEST_SECRET, NO_COLOR: '1' },
    });
    running.push(server);
    const base = `http://127.0.0.1:${port}`;
    await server.waitForHttp(`${base}/`);
    return base;
  }

  it('nest build redis-session: JavaScript, declarations and the Lua scripts, no build-info file', async () => {
    // From nothing, so an earlier build cannot pass for this one.
    rmSync(LIBRARY_DIST, { recursive: true, force: true });
    await nest('build', 'redis-session');
    const files = filesUnder(LIBRARY_DIST);
    for (const entry of ['index', 'testing/index', 'websockets/index', 'terminus/index']) {
      expect(files).toContain(`${entry}.js`);
      expect(files).toContain(`${entry}.d.ts`);
    }
    const scripts = readdirSync(join(REPOSITORY_ROOT, 'libs/redis-session/src/store/lua'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(files).toContain(`store/lua/${script}`);
    expect(files.filter((file) => /tsbuildinfo|\.spec\./.test(file))).toEqual([]);
  }, 120_000);

  it('nest build sample: the app runs from dist on the built library, with sessions in Redis', async () => {
    rmSync(SAMPLE_DIST, { recursive: true, force: true });
    await nest('build', 'sample');
    expect(existsSync(join(SAMPLE_DIST, 'main.js'))).toBe(true);
    const base = await serveSample(process.execPath, [join(SAMPLE_DIST, 'main.js')]);
    expect(await useTheShop(base)).toBe(2);
  }, 120_000);

  it('nest start sample --watch: compiles and serves the app', async () => {
    rmSync(SAMPLE_DIST, { recursive: true, force: true });
    const base = await serveSample(NEST, ['start', 'sample', '--watch']);
    expect(await useTheShop(base)).toBe(2);
  }, 120_000);
});
