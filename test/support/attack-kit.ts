import { Body, Controller, Param, Post } from '@nestjs/common';
import type { INestApplication, Type } from '@nestjs/common';
import { Session, type RedisSessionModuleOptions } from 'nest-redis-session';
import { MemorySessionStore, SessionStore } from './internals.js';
import { FixtureController } from './fixture.controller.js';
import { startRobustnessApp, type RobustnessApp } from './robustness-app.js';
import { HttpClient, listen } from './robustness-http.js';
import { Latches, RobustnessController } from './robustness.controller.js';
import { createSessionApp, type AdapterName } from './test-app.js';

interface Data {
  [key: string]: unknown;
}

/**
 * Routes for the attack suites: each loads the session, parks on a latch the test controls, then does
 * something the shared fixtures do not (write then rotate, save then rotate, replace the data).
 */
@Controller('atk')
export class AttackController {
  /** Loads, parks, adds a key of `bytes` characters, then regenerates (or logs in when `userId` is given). */
  @Post('slow/:latch/grow-then-rotate/:key/:bytes')
  async growThenRotate(
    @Session() session: Session<Data>,
    @Param('latch') latch: string,
    @Param('key') key: string,
    @Param('bytes') bytes: string,
    @Body() body: { userId?: string },
  ): Promise<object> {
    await Latches.pass(latch);
    session.data[key] = 'x'.repeat(Number(bytes));
    if (body?.userId) await session.login(body.userId);
    else await session.regenerate();
    return { ok: true };
  }

  /** Loads, parks, replaces the whole data object (`session.data = {...}`). */
  @Post('slow/:latch/replace')
  async slowReplace(
    @Session() session: Session<Data>,
    @Param('latch') latch: string,
    @Body() body: { value: Data },
  ): Promise<object> {
    await Latches.pass(latch);
    session.data = body.value;
    return { ok: true };
  }

  /** Writes a key, saves explicitly, then tries `action` (regenerate, login, logout, destroy). */
  @Post('save-then/:action')
  async saveThen(
    @Session() session: Session<Data>,
    @Param('action') action: string,
    @Body() body: { userId?: string },
  ): Promise<object> {
    session.data.savedFirst = true;
    await session.save();
    if (action === 'regenerate') await session.regenerate();
    if (action === 'login') await session.login(body.userId ?? 'x');
    if (action === 'logout') await session.logout();
    if (action === 'destroy') await session.destroy();
    return { userId: session.userId ?? null };
  }

  /** The anti-fixation pattern before a sensitive flow: a new ID first, then the secret (an OAuth state). */
  @Post('regenerate-then-set/:key')
  async regenerateThenSet(
    @Session() session: Session<Data>,
    @Param('key') key: string,
    @Body() body: { value: unknown },
  ): Promise<object> {
    await session.regenerate();
    session.data[key] = body.value;
    return { ok: true };
  }

  /** Logs in and returns the new publicId. */
  @Post('login')
  async login(@Session() session: Session<Data>, @Body() body: { userId: string }): Promise<object> {
    await session.login(body.userId);
    return { publicId: session.publicId };
  }
}

type RepoMethod = Extract<keyof SessionStore, string>;

/** A store step the test stopped: `arrived` resolves with its arguments; `release` lets it run. */
export interface StepPause {
  readonly arrived: Promise<unknown[]>;
  release(): void;
}

interface Armed {
  readonly phase: 'before' | 'after';
  readonly when: (args: unknown[]) => boolean;
  readonly markArrived: (args: unknown[]) => void;
  readonly released: Promise<void>;
}

/**
 * Stops the app's own session store at a chosen step (before or after a store method runs, the next
 * time it is called with matching arguments), so a test can run something between two steps of a
 * rotation. Every call still goes to the real Redis; only the timing changes.
 */
export class StepHooks {
  private readonly armed = new Map<RepoMethod, Armed[]>();
  private readonly patched = new Set<RepoMethod>();
  private readonly appOf: () => INestApplication;

  /** `app` may be given as a function, for a describe block whose app starts later (see `useStepHooks`). */
  constructor(app: INestApplication | (() => INestApplication)) {
    this.appOf = typeof app === 'function' ? app : () => app;
  }

  get repository(): SessionStore {
    return this.repo;
  }

  private get repo(): SessionStore {
    return this.appOf().get(SessionStore);
  }

  pause(
    method: RepoMethod,
    phase: 'before' | 'after' = 'before',
    when: (args: unknown[]) => boolean = () => true,
  ): StepPause {
    this.patch(method);
    let markArrived!: (args: unknown[]) => void;
    let release!: () => void;
    const arrived = new Promise<unknown[]>((resolve) => (markArrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const list = this.armed.get(method) ?? [];
    list.push({ phase, when, markArrived, released });
    this.armed.set(method, list);
    return { arrived, release };
  }

  /** Drops every armed pause (they never fire). */
  reset(): void {
    this.armed.clear();
  }

  private take(method: RepoMethod, phase: 'before' | 'after', args: unknown[]): Armed | undefined {
    const list = this.armed.get(method);
    if (!list) return undefined;
    const index = list.findIndex((entry) => entry.phase === phase && entry.when(args));
    if (index < 0) return undefined;
    return list.splice(index, 1)[0];
  }

  private patch(method: RepoMethod): void {
    if (this.patched.has(method)) return;
    this.patched.add(method);
    const repo = this.repo as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    if (method === 'create' || method === 'indexAdd') {
      // On one Redis server a login writes its record and index entry in one script: nothing runs between
      // them. These probes need the two steps a cluster runs (SessionStore's own createSignedIn), to pause
      // between them; the one-step path has no such moment to attack.
      const store = this.repo;
      repo.createSignedIn = (...args: unknown[]) =>
        SessionStore.prototype.createSignedIn.apply(store, args as Parameters<SessionStore['createSignedIn']>);
    }
    // The class's own method (the module may hand out a Proxy whose wrapper looks the method up per call).
    const original = (Object.getPrototypeOf(this.repo) as Record<string, (...args: unknown[]) => Promise<unknown>>)[
      method
    ]!;
    repo[method] = async (...args: unknown[]): Promise<unknown> => {
      const before = this.take(method, 'before', args);
      if (before) {
        before.markArrived(args);
        await before.released;
      }
      const result = await original.apply(this.repo, args);
      const after = this.take(method, 'after', args);
      if (after) {
        after.markArrived(args);
        await after.released;
      }
      return result;
    };
  }
}

/**
 * Step hooks on a describe block's robustness app, with that block's set-up: before each test every pause
 * is dropped and Redis is flushed, so a test starts with nothing armed and nothing stored.
 */
export function useStepHooks(app: RobustnessApp): StepHooks {
  const hooks = new StepHooks(() => app.app);
  beforeEach(async () => {
    hooks.reset();
    await app.inspector.flushall();
  });
  return hooks;
}

/** An app for the attack suites on either store; `flush()` empties the store between tests. */
export interface AttackApp {
  readonly app: INestApplication;
  readonly http: HttpClient;
  /** The Redis app's own server (the Redis store only). */
  readonly robust: RobustnessApp | undefined;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function startAttackApp(
  adapter: AdapterName,
  store: 'redis' | 'memory',
  options: { module?: Omit<RedisSessionModuleOptions, 'redis' | 'secrets' | 'store'>; controllers?: Type[] } = {},
): Promise<AttackApp> {
  if (store === 'redis') {
    const robust = await startRobustnessApp(adapter, { module: options.module, controllers: options.controllers });
    return {
      app: robust.app,
      http: robust.http,
      robust,
      flush: async () => {
        await robust.inspector.flushall();
      },
      close: () => robust.close(),
    };
  }
  const app = await createSessionApp(
    adapter,
    { store: 'memory', ...options.module },
    { controllers: [FixtureController, RobustnessController, ...(options.controllers ?? [])] },
  );
  const http = new HttpClient(await listen(app));
  const memory = app.get<SessionStore, MemorySessionStore>(SessionStore);
  return {
    app,
    http,
    robust: undefined,
    flush: () => {
      memory.clear();
      return Promise.resolve();
    },
    close: async () => {
      http.close();
      await app.close();
    },
  };
}
