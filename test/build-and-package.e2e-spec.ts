import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { REPOSITORY_ROOT, RunningCommand, runCommand } from './support/commands.js';
import { useRedisServer } from './support/redis-fixture.js';
import { freePort } from './support/redis-server.js';
import { typeCheck } from './support/type-check.js';
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
  const redis = useRedisServer({ flushBeforeEach: false });
  const running: RunningCommand[] = [];

  afterEach(async () => {
    await Promise.all(running.splice(0).map((command) => command.stop()));
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

/** The files of a package's `exports` map: every `types` and `default` target. */
function exportTargets(exports: Record<string, unknown>): string[] {
  return Object.values(exports).flatMap((target) =>
    typeof target === 'string' ? [target] : Object.values(target as Record<string, string>),
  );
}

describe('the packed library (npm pack in libs/redis-session)', () => {
  let unpacked: string;
  let files: string[];
  let manifest: {
    exports: Record<string, unknown>;
    dependencies?: Record<string, string>;
    peerDependencies: Record<string, string>;
    [field: string]: unknown;
  };

  beforeAll(async () => {
    const work = mkdtempSync(join(REPOSITORY_ROOT, 'node_modules/.package-check-'));
    // `npm pack` runs the package's prepack script: it builds the library and writes its README and LICENSE.
    const pack = await runCommand('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: join(REPOSITORY_ROOT, 'libs/redis-session'),
    });
    if (pack.code !== 0) throw new Error(`npm pack exited ${pack.code}:\n${pack.stdout}${pack.stderr}`);
    const { filename } = (JSON.parse(pack.stdout) as Array<{ filename: string }>)[0]!;
    // Unpacked where Node finds the repository's node_modules above it, so the package's imports resolve.
    unpacked = join(work, 'node_modules/nest-redis-session');
    mkdirSync(unpacked, { recursive: true });
    const untar = await runCommand('tar', ['-xzf', join(work, filename), '-C', unpacked, '--strip-components=1']);
    if (untar.code !== 0) throw new Error(`tar: ${untar.stderr}`);
    files = filesUnder(unpacked);
    manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as typeof manifest;
    cleanUp = () => rmSync(work, { recursive: true, force: true });
  }, 120_000);

  let cleanUp = (): void => undefined;
  afterAll(() => cleanUp());

  it('ships a README, the MIT LICENSE, and says where the repository and its issues are', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
    expect(readFileSync(join(unpacked, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(manifest.license).toBe('MIT');
    for (const field of ['repository', 'homepage', 'bugs']) expect(manifest[field]).toBeDefined();
    const readme = readFileSync(join(unpacked, 'README.md'), 'utf8');
    expect(readme).toContain('npm install nest-redis-session ioredis');
    expect(readme).toContain('## Quick start');
    // Links a reader of the package can follow: nothing relative to a checkout it does not have.
    expect(readme.match(/\]\((?!https:\/\/|#)[^)]*\)/g) ?? []).toEqual([]);
  });

  it('has JavaScript and declarations for every entry point of "exports"', () => {
    const targets = exportTargets(manifest.exports).map((target) => target.replace(/^\.\//, ''));
    expect(targets).toEqual(expect.arrayContaining(['dist/index.d.ts', 'dist/testing/index.d.ts']));
    for (const target of targets) expect(files).toContain(target);
  });

  it('holds no build-info file, no spec, and no source map without its source', () => {
    expect(files.filter((file) => /tsbuildinfo|\.spec\.|\.e2e-spec\./.test(file))).toEqual([]);
    const maps = files.filter((file) => file.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const unresolved = maps.flatMap((map) => {
      const { sources, sourcesContent, sourceRoot } = JSON.parse(readFileSync(join(unpacked, map), 'utf8')) as {
        sources: string[];
        sourcesContent?: Array<string | null>;
        sourceRoot?: string;
      };
      return sources
        .filter((source, index) => {
          if (typeof sourcesContent?.[index] === 'string') return false;
          return !existsSync(resolve(dirname(join(unpacked, map)), sourceRoot ?? '', source));
        })
        .map((source) => `${map} → ${source}`);
    });
    expect(unresolved).toEqual([]);
  });

  it('declares ioredis a peer dependency, not a dependency of its own', () => {
    expect(manifest.dependencies?.ioredis).toBeUndefined();
    expect(manifest.peerDependencies.ioredis).toBe('^5.9.0 || ^6.0.0');
  });

  it('type-checks, declarations included, in an app on ioredis 5 that passes its own client as redis:', () => {
    const app = [
      "import { Module } from '@nestjs/common';",
      "import { Redis } from 'ioredis';",
      "import { RedisSessionModule } from 'nest-redis-session';",
      "import { RedisSessionTestingModule } from 'nest-redis-session/testing';",
      "import { RedisSessionHealthIndicator } from 'nest-redis-session/terminus';",
      "import { withSessionSockets } from 'nest-redis-session/websockets';",
      '',
      "const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');",
      'export const parts = [RedisSessionTestingModule, RedisSessionHealthIndicator, withSessionSockets];',
      '',
      '@Module({ imports: [RedisSessionModule.forRoot({ redis, secrets: [process.env.SESSION_SECRET!] })] })',
      'export class AppModule {}',
    ].join('\n');
    const ioredis5 = join(REPOSITORY_ROOT, 'node_modules/ioredis5/built/index.d.ts');
    expect(
      typeCheck(
        { 'src/app.module.ts': app },
        { library: 'installed', folder: dirname(dirname(unpacked)), paths: { ioredis: [ioredis5] } },
      ),
    ).toEqual([]);
  }, 120_000);

  it('runs as installed: every entry point imports, Lua scripts included', async () => {
    // The store reads each Lua script when its module loads: a script left out of the package fails this import.
    const script = [
      "import * as main from 'nest-redis-session';",
      "import * as testing from 'nest-redis-session/testing';",
      "import * as websockets from 'nest-redis-session/websockets';",
      "import * as terminus from 'nest-redis-session/terminus';",
      'console.log(JSON.stringify([typeof main.RedisSessionModule, typeof testing.SessionTestKit,',
      '  typeof websockets.withSessionSockets, typeof terminus.RedisSessionHealthIndicator]));',
    ].join('\n');
    const run = await runCommand(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dirname(dirname(unpacked)),
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(['function', 'function', 'function', 'function']);
    const sources = join(REPOSITORY_ROOT, 'libs/redis-session/src/store/lua');
    for (const name of readdirSync(sources)) {
      expect(readFileSync(join(unpacked, 'dist/store/lua', name), 'utf8')).toBe(
        readFileSync(join(sources, name), 'utf8'),
      );
    }
  });
});
