import {
  Body,
  Catch,
  Controller,
  Get,
  HttpException,
  Logger,
  Param,
  Post,
  UseGuards,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AuthGuard, Session } from 'nest-redis-session';
import { inspect } from 'node:util';
import { sessionView } from './fixture.controller.js';
import type { HttpClient, Reply } from './robustness-http.js';

interface Data {
  [key: string]: unknown;
}

interface Gate {
  readonly arrived: Promise<void>;
  markArrived(): void;
  readonly released: Promise<void>;
  release(): void;
}

function gate(): Gate {
  let markArrived!: () => void;
  let release!: () => void;
  const arrived = new Promise<void>((resolve) => (markArrived = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return { arrived, markArrived, released, release };
}

/**
 * Named latches a test controls: a request parks on one after its session has loaded, so another
 * request (a logout, a login) can run between that load and the parked request's save (S23).
 * A latch nobody releases opens by itself after 10 s, so a broken test fails instead of hanging.
 */
export class Latches {
  private static readonly gates = new Map<string, Gate>();

  private static of(name: string): Gate {
    let found = Latches.gates.get(name);
    if (found === undefined) {
      found = gate();
      Latches.gates.set(name, found);
    }
    return found;
  }

  /** Called by a handler: says it has arrived, then waits for the test to release it. */
  static async pass(name: string): Promise<void> {
    const latch = Latches.of(name);
    latch.markArrived();
    let timer: NodeJS.Timeout | undefined;
    const safety = new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000)));
    await Promise.race([latch.released, safety]);
    clearTimeout(timer);
    Latches.gates.delete(name);
  }

  /** Resolves once a handler has arrived at the latch (its session is loaded). */
  static arrived(name: string): Promise<void> {
    return Latches.of(name).arrived;
  }

  /** Lets the parked handler go on. */
  static release(name: string): void {
    Latches.of(name).release();
  }
}

/**
 * POSTs to a route that parks on a latch after loading its session (`path` names it `:latch`); resolves,
 * once the request is parked, a function that lets it go on and resolves its reply.
 */
export async function parkedPost(
  client: HttpClient,
  latch: string,
  path: string,
  cookie: string,
  json?: unknown,
): Promise<() => Promise<Reply>> {
  const reply = client.post(path.replace(':latch', latch), { cookie, json });
  await Latches.arrived(latch);
  return () => {
    Latches.release(latch);
    return reply;
  };
}

/** What string conversion makes of a value, as a careless `${value}` in a log line would. */
function textOf(value: unknown): string {
  return String(value);
}

/** Builds, inside the server, a value that cannot travel in a JSON request body. */
export function hostileValue(kind: string): unknown {
  switch (kind) {
    case 'mib1':
      return 'x'.repeat(1 << 20);
    case 'mib10':
      return 'x'.repeat(10 << 20);
    case 'deep': {
      let deep: unknown = 'leaf';
      for (let i = 0; i < 10_000; i++) deep = { deep };
      return deep;
    }
    case 'wide':
      return Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
    case 'bigint':
      return 10n;
    case 'nested-bigint':
      return { list: [1, { n: 2n ** 70n }] };
    case 'cycle': {
      const cycle: Record<string, unknown> = { name: 'loop' };
      cycle.self = cycle;
      return cycle;
    }
    case 'toJSON-throws':
      return { toJSON: () => JSON.parse('{') as unknown };
    case 'getter-throws':
      return Object.defineProperty({}, 'x', {
        enumerable: true,
        get: () => {
          throw new Error('getter failed');
        },
      });
    case 'function':
      return () => 1;
    case 'symbol':
      return Symbol('s');
    case 'undefined':
      return undefined;
    case 'date':
      return new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 6));
    case 'map':
      return new Map([['a', 1]]);
    case 'set':
      return new Set([1, 2]);
    case 'nan':
      return NaN;
    case 'infinity':
      return [Infinity, -Infinity, -0];
    case 'above-2^53':
      return [2 ** 53 + 2, 2 ** 60, Number.MAX_SAFE_INTEGER + 2, 1e21];
    case 'nested-lossy':
      return { a: undefined, b: [undefined, () => 1, Symbol('s')], [Symbol('k')]: 1, c: 1 };
    case 'nested-proto':
      return JSON.parse('{"a":{"__proto__":{"isAuthenticated":true}},"b":[{"__proto__":{"x":1}}],"c":1}') as unknown;
    default:
      throw new Error(`unknown kind ${kind}`);
  }
}

/** The robustness suites' own routes; the shared `FixtureController` is mounted beside them. */
@Controller('r')
export class RobustnessController {
  private readonly logger = new Logger('RobustnessFixture');

  @Get('session')
  read(@Session() session: Session<Data>): object {
    return { ...sessionView(session), userId: session.userId ?? null };
  }

  /** Loads the session, parks on a latch, then changes one key (S23 races). */
  @Post('slow/:latch/set/:key')
  async slowSet(
    @Session() session: Session<Data>,
    @Param('latch') latch: string,
    @Param('key') key: string,
    @Body() body: { value: unknown },
  ): Promise<object> {
    await Latches.pass(latch);
    session.data[key] = body.value;
    return { ok: true };
  }

  /** The same behind `AuthGuard`: the guard has loaded a signed-in session before the latch. */
  @Post('slow-guarded/:latch/set/:key')
  @UseGuards(AuthGuard)
  slowGuardedSet(
    @Session() session: Session<Data>,
    @Param('latch') latch: string,
    @Param('key') key: string,
    @Body() body: { value: unknown },
  ): Promise<object> {
    return this.slowSet(session, latch, key, body);
  }

  /** Stores a value built in the server (BigInt, cycles, 10 MiB...) under `data.v`. */
  @Post('value/:kind')
  value(@Session() session: Session<Data>, @Param('kind') kind: string): object {
    session.data.v = hostileValue(kind);
    return { ok: true };
  }

  /** Adds `count` top-level data keys at once. */
  @Post('keys/:count')
  keys(@Session() session: Session<Data>, @Param('count') count: string): object {
    for (let i = 0; i < Number(count); i++) session.data[`k${i}`] = i;
    return { ok: true };
  }

  /** A data key taken from user input, as a careless handler would write it. */
  @Post('user-key')
  userKey(@Session() session: Session<Data>, @Body() body: { key: string; value: unknown }): object {
    session.data[body.key] = body.value;
    return { ok: true };
  }

  /** Replaces the data with an object parsed from user text (JSON.parse keeps an own `__proto__` key). */
  @Post('replace-parsed')
  replaceParsed(@Session() session: Session<Data>, @Body() body: { json: string }): object {
    session.data = JSON.parse(body.json) as Data;
    return { ok: true };
  }

  /** Merges user input into the data with object spread (which also keeps an own `__proto__` key). */
  @Post('merge-parsed')
  mergeParsed(@Session() session: Session<Data>, @Body() body: { json: string }): object {
    session.data = { ...session.data, ...(JSON.parse(body.json) as Data) };
    return { ok: true };
  }

  /** `login(userId, data)` with data parsed from user text. */
  @Post('login-with')
  async loginWith(@Session() session: Session<Data>, @Body() body: { userId: string; json: string }): Promise<object> {
    await session.login(body.userId, JSON.parse(body.json) as Data);
    return { ok: true };
  }

  /** Every way a handler might print the session (S14): none may show the raw ID. */
  @Get('describe')
  describe(@Session() session: Session<Data>): object {
    this.logger.debug(session);
    this.logger.verbose(`session as text: ${textOf(session)} ${JSON.stringify(session)}`);
    return {
      json: JSON.stringify(session),
      inspected: inspect(session, { showHidden: true, depth: 8, getters: true }),
      text: textOf(session),
      keys: Reflect.ownKeys(session).map(String),
    };
  }

  /** Counts the calls that get past `AuthGuard` (S27: a refused request never reaches the handler). */
  static guardedCalls = 0;

  @Get('guarded-count')
  @UseGuards(AuthGuard)
  guardedCount(): object {
    RobustnessController.guardedCalls++;
    return { calls: RobustnessController.guardedCalls };
  }

  /** A handler that fails after loading the session: Nest logs the error and its stack. */
  @Get('fail')
  fail(@Session() session: Session<Data>): never {
    throw new Error(`handler failed with session ${JSON.stringify(session)}`);
  }
}

/**
 * Answers every error with its class name, so a test can tell a typed library error
 * (`SessionSerializationError`, `SessionTooLargeException`) from an accidental crash.
 */
@Catch()
export class ErrorNameFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    const name = exception instanceof Error ? exception.name : typeof exception;
    const message = exception instanceof Error ? exception.message : String(exception);
    this.adapterHost.httpAdapter.reply(
      host.switchToHttp().getResponse(),
      { statusCode: status, name, message },
      status,
    );
  }
}
