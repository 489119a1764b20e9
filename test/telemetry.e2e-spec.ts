import { jest } from '@jest/globals';
import { Logger, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { metrics, trace, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  REDIS_SESSION_TELEMETRY_LOADER,
  RedisSessionModule,
  SessionTelemetry,
  type RedisSessionModuleOptions,
} from 'nest-redis-session';
import request from 'supertest';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { types } from 'node:util';
import { CapturingLogger } from './support/capturing-logger.js';
import { cookieFrom, valueOf } from './support/cookies.js';
import { RedisSessionStore, SessionStore } from './support/internals.js';
import { useRedisServer } from './support/redis-fixture.js';
import { ADAPTERS, adapterOf, createSessionApp, TEST_SECRET, type AdapterName } from './support/test-app.js';

type Server = Parameters<typeof request>[0];

const TOUCH_AFTER = 2_000;
const COMMAND_TIMEOUT = 300;

/** Collects on demand: `collect()` reads the instruments' cumulative values. */
class TestMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** An OpenTelemetry SDK for one app: a meter provider read on demand and a tracer provider kept in memory. */
class TestSdk {
  readonly reader = new TestMetricReader();
  readonly spans = new InMemorySpanExporter();
  private readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  private readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.spans)] });

  /** Registers both globally, as an app's SDK start-up does (before the app bootstraps). */
  install(): void {
    metrics.disable();
    trace.disable();
    metrics.setGlobalMeterProvider(this.meterProvider);
    trace.setGlobalTracerProvider(this.tracerProvider);
  }

  async uninstall(): Promise<void> {
    metrics.disable();
    trace.disable();
    await Promise.all([this.meterProvider.shutdown(), this.tracerProvider.shutdown()]);
  }

  /** The data points of one of the library's metrics. */
  async points(name: string): Promise<DataPoint<number | Histogram>[]> {
    const { resourceMetrics, errors } = await this.reader.collect();
    expect(errors).toEqual([]);
    const scope = resourceMetrics.scopeMetrics.find((s) => s.scope.name === 'nest-redis-session');
    const metric = scope?.metrics.find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []) as DataPoint<number | Histogram>[];
  }

  /** A counter's value for exactly these attributes (0 if never incremented). */
  async count(name: string, attributes: Attributes): Promise<number> {
    const point = (await this.points(name)).find((p) => sameAttributes(p.attributes, attributes));
    return (point?.value as number | undefined) ?? 0;
  }

  /** Every value of a counter, keyed by its attributes as JSON. */
  async counts(name: string): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    for (const point of await this.points(name)) result[JSON.stringify(point.attributes)] = point.value as number;
    return result;
  }
}

function sameAttributes(a: Attributes, b: Attributes): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** Events are delivered on a later turn of the event loop; let them arrive. */
const eventsDelivered = (): Promise<void> => sleep(20);

describe.each(ADAPTERS)('OpenTelemetry spans and metrics on %s', (adapter) => {
  const redis = useRedisServer({ flushBeforeEach: false });
  let sdk: TestSdk;
  let app: INestApplication;
  let server: Server;

  beforeAll(async () => {
    sdk = new TestSdk();
    sdk.install();
    app = redis.closeBeforeStop(
      await createSessionApp(adapter, {
        redis: redis.url,
        idleTimeout: 60_000,
        touchAfter: TOUCH_AFTER,
        commandTimeout: COMMAND_TIMEOUT,
      }),
    );
    server = app.getHttpServer() as Server;
  });

  afterAll(async () => {
    await sdk?.uninstall();
  });

  it('records loads, touches, saves, bytes, 503s and rejected cookies, with a span per store operation', async () => {
    expect(app.get(SessionTelemetry).enabled).toBe(true);

    // Sign in: a new record and its place in the user's index.
    const cookie = cookieFrom(await request(server).post('/login').send({ userId: 'u-telemetry' }).expect(201));
    // Right after: a load that does not touch, and an update of one key: "cart" + '["tea"]' = 11 bytes.
    await request(server)
      .post('/set/cart')
      .set('Cookie', cookie)
      .send({ value: ['tea'] })
      .expect(201);
    // After touchAfter: a load that refreshes the idle timer.
    await sleep(TOUCH_AFTER + 100);
    const { body } = await request(server).get('/session').set('Cookie', cookie).expect(200);
    const publicId = (body as { publicId: string }).publicId;

    // Cookies that give no session, before any I/O.
    const [id] = valueOf(cookie).split('.');
    await request(server).get('/session').set('Cookie', `sid=${id}.forged-signature`).expect(200);
    await request(server).get('/session').set('Cookie', 'sid=not-a-session-id').expect(200);

    // Redis hangs: the load times out and the request gets a 503.
    process.kill(redis.server.pid, 'SIGSTOP');
    try {
      await request(server).get('/session').set('Cookie', cookie).expect(503);
    } finally {
      process.kill(redis.server.pid, 'SIGCONT');
    }

    // Sign out, then present the old cookie: a load that finds nothing.
    await request(server).post('/logout').set('Cookie', cookie).expect(201);
    await request(server).get('/session').set('Cookie', cookie).expect(200);
    await eventsDelivered();

    expect(await sdk.counts('session.loads')).toEqual({ '{"result":"found"}': 3, '{"result":"unknown"}': 1 });
    expect(await sdk.count('session.touches', { touched: true })).toBe(1);
    expect(await sdk.count('session.touches', { touched: false })).toBe(0);
    expect(await sdk.counts('session.saves')).toEqual({
      '{"operation":"create","written":true}': 1,
      '{"operation":"update","written":true}': 1,
    });
    const bytes = await sdk.points('session.bytes_written');
    const update = bytes.find((p) => p.attributes.operation === 'update')?.value as Histogram;
    expect({ count: update.count, sum: update.sum }).toEqual({ count: 1, sum: 11 });
    expect(await sdk.counts('session.store_unavailable')).toEqual({ '{"operation":"load"}': 1 });
    expect(await sdk.counts('session.rejected')).toEqual({
      '{"reason":"bad-signature"}': 1,
      '{"reason":"malformed-cookie"}': 1,
      '{"reason":"unknown"}': 1,
    });

    const spans = sdk.spans.getFinishedSpans();
    // In the order they ended; logout ends the record, then drops it from the user's index.
    const names = spans.map((span) => span.name);
    expect(names.slice(0, 6)).toEqual([
      'session.create_signed_in', // the record and its index entry in one step (one Redis server)
      'session.load',
      'session.update',
      'session.load',
      'session.touch', // touchAfter had passed: the idle timer is refreshed (and the index asked)
      'session.load', // the one that timed out
    ]);
    expect(names.slice(6, 9)).toEqual(['session.load', 'session.end', 'session.index_remove']);
    expect(names.slice(9)).toEqual(['session.load']);
    expect(new Set(spans.map((span) => span.instrumentationScope.name))).toEqual(new Set(['nest-redis-session']));
    const loads = spans.filter((span) => span.name === 'session.load');
    expect(loads.map((span) => span.attributes)).toEqual([
      { 'session.store': 'redis', 'session.result': 'found' },
      { 'session.store': 'redis', 'session.result': 'found' },
      { 'session.store': 'redis' },
      { 'session.store': 'redis', 'session.result': 'found' },
      { 'session.store': 'redis', 'session.result': 'unknown' },
    ]);
    expect(spans.find((span) => span.name === 'session.touch')!.attributes).toEqual({
      'session.store': 'redis',
      'session.touched': true,
    });
    expect(loads[2]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(loads[2]!.events.map((event) => event.name)).toEqual(['exception']);
    expect(spans.find((span) => span.name === 'session.update')!.attributes).toEqual({
      'session.store': 'redis',
      'session.written': true,
      'session.bytes': 11,
    });

    // Nothing recorded names the session: neither its ID nor its public ID.
    const recorded = JSON.stringify(spans.map((span) => [span.attributes, span.events, span.status]));
    expect(recorded).not.toContain(id);
    expect(recorded).not.toContain(publicId);
    expect(JSON.stringify(await sdk.reader.collect())).not.toContain(publicId);
  });

  it('keeps the instrumented store an instance of its class, with the store’s own methods', () => {
    const store = app.get(SessionStore);
    expect(types.isProxy(store)).toBe(true);
    expect(store).toBeInstanceOf(RedisSessionStore);
    expect((store as RedisSessionStore).keyOf('abc')).toBe('sess:{abc}');
  });
});

describe('without @opentelemetry/api', () => {
  /** What a dynamic import() of a package that is not installed rejects with. */
  const notInstalled = (): Promise<never> =>
    Promise.reject(
      Object.assign(new Error("Cannot find package '@opentelemetry/api' imported from nest-redis-session"), {
        code: 'ERR_MODULE_NOT_FOUND',
      }),
    );

  const redis = useRedisServer({ flushBeforeEach: false });
  let sdk: TestSdk;

  beforeAll(() => {
    // An SDK is even installed: the module must record nothing when it could not load the API itself.
    sdk = new TestSdk();
    sdk.install();
  });

  afterAll(async () => {
    await sdk?.uninstall();
  });

  function appWithoutApi(adapter: AdapterName, options: RedisSessionModuleOptions): Promise<INestApplication> {
    return createSessionApp(adapter, options, {
      overrides: [{ provide: REDIS_SESSION_TELEMETRY_LOADER, useValue: notInstalled }],
    });
  }

  it.each(['memory', 'redis'] as const)(
    'logs nothing about it (%s store): an absent optional peer is not news',
    async (store) => {
      const logger = new CapturingLogger();
      const moduleRef = await Test.createTestingModule({
        imports: [
          RedisSessionModule.forRoot({
            store,
            redis: store === 'redis' ? redis.url : undefined,
            secrets: [TEST_SECRET],
          }),
        ],
      })
        // Every level, debug included: what Nest's default logger shows an app.
        .setLogger(logger)
        .overrideProvider(REDIS_SESSION_TELEMETRY_LOADER)
        .useValue(notInstalled)
        .compile();
      const app = moduleRef.createNestApplication(adapterOf('express'));
      try {
        await app.init();
        expect(app.get(SessionTelemetry).enabled).toBe(false);
        expect(logger.lines.length).toBeGreaterThan(0); // the logger does see the module's lines
        expect(logger.lines.filter((line) => /telemetry/i.test(line))).toEqual([]);
      } finally {
        await app.close();
      }
    },
  );

  it('warns when @opentelemetry/api is installed but fails to load', async () => {
    const warnings: string[] = [];
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    try {
      const broken = () => Promise.reject(new Error('Unexpected token in @opentelemetry/api/build/src/index.js'));
      const moduleRef = await Test.createTestingModule({
        imports: [RedisSessionModule.forRoot({ store: 'memory', secrets: [TEST_SECRET] })],
      })
        .overrideProvider(REDIS_SESSION_TELEMETRY_LOADER)
        .useValue(broken)
        .compile();
      expect(moduleRef.get(SessionTelemetry).enabled).toBe(false);
      await moduleRef.close();
    } finally {
      warn.mockRestore();
    }
    expect(warnings).toContain(
      'OpenTelemetry unavailable, no session spans or metrics: Unexpected token in @opentelemetry/api/build/src/index.js',
    );
  });

  it.each([
    ['express', 'memory'],
    ['fastify', 'redis'],
  ] as const)('sessions work on %s with the %s store, uninstrumented and unrecorded', async (adapter, store) => {
    const app = await appWithoutApi(adapter, {
      store,
      redis: store === 'redis' ? redis.url : undefined,
      secrets: [TEST_SECRET],
    });
    try {
      const server = app.getHttpServer() as Server;
      const cookie = cookieFrom(await request(server).post('/login').send({ userId: 'u-plain' }).expect(201));
      await request(server).post('/set/k').set('Cookie', cookie).send({ value: 1 }).expect(201);
      const me = await request(server).get('/private').set('Cookie', cookie).expect(200);
      expect(me.body).toEqual({ userId: 'u-plain', data: { k: 1 } });
      await request(server).get('/session').set('Cookie', 'sid=garbage').expect(200);
      await eventsDelivered();

      expect(app.get(SessionTelemetry).enabled).toBe(false);
      expect(types.isProxy(app.get(SessionStore))).toBe(false);
      expect(sdk.spans.getFinishedSpans()).toEqual([]);
      expect(await sdk.points('session.loads')).toEqual([]);
      expect(await sdk.points('session.rejected')).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('the core entry point', () => {
  /** Every package the files reachable from an entry point name in an `import`/`export ... from` (types too). */
  function staticPackages(entry: string): Set<string> {
    const packages = new Set<string>();
    const seen = new Set<string>();
    const pending = [entry];
    for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const [, specifier] of source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm)) {
        if (specifier!.startsWith('.')) pending.push(resolve(dirname(file), specifier!.replace(/\.js$/, '.ts')));
        else packages.add(specifier!);
      }
    }
    return packages;
  }

  it('names neither optional peer statically: only a dynamic import() loads @opentelemetry/api', () => {
    const src = resolve(dirname(fileURLToPath(import.meta.url)), '../libs/redis-session/src');
    const core = staticPackages(resolve(src, 'index.ts'));
    expect(core.has('@nestjs/common')).toBe(true); // the walk does find packages
    expect([...core].filter((name) => name.startsWith('@opentelemetry/') || name === '@nestjs/terminus')).toEqual([]);
    expect(staticPackages(resolve(src, 'terminus/index.ts')).has('@nestjs/terminus')).toBe(true);
  });
});
