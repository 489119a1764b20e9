/**
 * CPU per request, measured inside one process with no load generator competing for the CPU:
 * the same requests against the "floor" (NestJS plus the same plain Redis commands and nothing
 * else) and against nest-redis-session, on Fastify (`inject`, no sockets) or Express (a keep-alive
 * HTTP agent). `npm run bench` measures throughput against the peers; this probe answers the
 * narrower question "how many microseconds of app CPU does the library add per request", which a
 * 2-core machine's throughput numbers blur (the load generator and Redis share the cores).
 *
 * Usage (builds first; needs redis-server on the PATH, starts its own on a free port):
 *   npm run bench:cpu -- <fastify|express> <read,write,login> [requests per round] [floor|nrs]
 * FLOOR_VARIANT=i adds an empty interceptor to the floor, =g an async guard doing one more GET,
 * =ig both: the cost of Nest's own machinery, which any interceptor-based design pays.
 */
import 'reflect-metadata';
import * as http from 'node:http';
import {
  Controller,
  Get,
  HttpCode,
  Inject,
  Module,
  Post,
  UseGuards,
  UseInterceptors,
  Injectable,
  type INestApplication,
  type NestInterceptor,
  type ExecutionContext,
  type CallHandler,
  type CanActivate,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import { AuthGuard, RedisSessionModule, Session } from 'nest-redis-session';
import { RedisServer } from '../../test/support/redis-server.js';

const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
let url = '';
let users = 0;
const REDIS = Symbol('REDIS');

@Injectable()
class NoopInterceptor implements NestInterceptor {
  intercept(_c: ExecutionContext, next: CallHandler) {
    return next.handle();
  }
}
@Injectable()
class AsyncGuard implements CanActivate {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async canActivate(): Promise<boolean> {
    return (await this.redis.get('floor')) !== null;
  }
}
const VARIANT = process.env.FLOOR_VARIANT ?? '';
@Controller()
@UseInterceptors(...(VARIANT.includes('i') ? [NoopInterceptor] : []))
@UseGuards(...(VARIANT.includes('g') ? [AsyncGuard] : []))
class FloorController {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  @Get('me')
  async me(): Promise<object> {
    const json = await this.redis.get('floor');
    const s = JSON.parse(json!) as { userId: string; name: string; counter?: number };
    return { userId: s.userId, name: s.name, counter: s.counter ?? 0 };
  }
  @Post('login')
  @HttpCode(200)
  async login(): Promise<object> {
    users++;
    await this.redis.set(
      `floor:${users}`,
      JSON.stringify({ userId: `user-${users}`, name: `Bench User ${users}`, roles: ['reader'] }),
    );
    return {};
  }
  @Post('counter')
  @HttpCode(200)
  async counter(): Promise<object> {
    const json = await this.redis.get('floor');
    const s = JSON.parse(json!) as { userId: string; name: string; counter?: number };
    const counter = (s.counter ?? 0) + 1;
    await this.redis.set('floor', JSON.stringify({ ...s, counter }));
    return { counter };
  }
}
@Module({ controllers: [FloorController], providers: [{ provide: REDIS, useFactory: () => new Redis(url) }] })
class FloorModule {}

@Controller()
class NrsController {
  @Post('login')
  @HttpCode(200)
  async login(@Session() session: Session<Record<string, unknown>>): Promise<object> {
    users++;
    await session.login(`user-${users}`, { name: `Bench User ${users}`, roles: ['reader'] });
    return {};
  }
  @Get('me')
  @UseGuards(AuthGuard)
  me(@Session() session: Session<{ name?: string; counter?: number }>): object {
    return { userId: session.userId, name: session.data.name, counter: session.data.counter ?? 0 };
  }
  @Post('counter')
  @HttpCode(200)
  @UseGuards(AuthGuard)
  counter(@Session() session: Session<{ counter?: number }>): object {
    const counter = (session.data.counter ?? 0) + 1;
    session.data.counter = counter;
    return { counter };
  }
}

function nrsModule(): unknown {
  @Module({
    imports: [RedisSessionModule.forRoot({ redis: url, secrets: [SECRET], idleTimeout: 1_800_000 })],
    controllers: [NrsController],
  })
  class NrsModule {}
  return NrsModule;
}

type Inject = (path: string, method: string, cookie?: string) => Promise<{ status: number; cookie?: string }>;

async function start(
  kind: 'floor' | 'nrs',
  adapter: 'fastify' | 'express',
): Promise<{ app: INestApplication; inject: Inject }> {
  const module = kind === 'floor' ? FloorModule : nrsModule();
  const app = await NestFactory.create(
    module as never,
    adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    { logger: false },
  );
  if (adapter === 'fastify') {
    await app.init();
    const fastify = app as NestFastifyApplication;
    await fastify.getHttpAdapter().getInstance().ready();
    return {
      app,
      inject: async (path, method, cookie) => {
        const r = await fastify.inject({ url: path, method: method as 'GET', headers: cookie ? { cookie } : {} });
        const sc = r.headers['set-cookie'];
        return { status: r.statusCode, cookie: sc ? String(sc).split(';')[0] : undefined };
      },
    };
  }
  await app.listen(0, '127.0.0.1');
  const port = ((app.getHttpServer() as http.Server).address() as { port: number }).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  return {
    app,
    inject: (path, method, cookie) =>
      new Promise((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port, path, method, agent, headers: cookie ? { cookie } : {} },
          (res) => {
            res.resume();
            res.on('end', () => {
              const sc = res.headers['set-cookie'];
              resolve({ status: res.statusCode!, cookie: sc ? sc[0]!.split(';')[0] : undefined });
            });
          },
        );
        req.on('error', reject);
        req.end();
      }),
  };
}

async function measure(
  inject: Inject,
  path: string,
  method: string,
  cookies: string[],
  total: number,
): Promise<number> {
  let sent = 0;
  const before = process.cpuUsage();
  async function worker(i: number): Promise<void> {
    while (sent < total) {
      sent++;
      const r = await inject(path, method, cookies[i % cookies.length]);
      if (r.status !== 200) throw new Error(`status ${r.status}`);
    }
  }
  await Promise.all(Array.from({ length: 32 }, (_, i) => worker(i)));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / total;
}

const redis = await RedisServer.start();
url = redis.url;
const adapter = (process.argv[2] ?? 'fastify') as 'fastify' | 'express';
const workloads = (process.argv[3] ?? 'read,write').split(',');
const total = Number(process.argv[4] ?? 20000);
const floor = await start('floor', adapter);
const nrs = await start('nrs', adapter);
const admin = new Redis(url);
await admin.set('floor', JSON.stringify({ userId: 'user-000001', name: 'Bench User 000001', roles: ['reader'] }));
const cookies: string[] = [];
for (let i = 0; i < 32; i++) cookies.push((await nrs.inject('/login', 'POST')).cookie!);
for (const workload of workloads) {
  const [path, method] =
    workload === 'read' ? ['/me', 'GET'] : workload === 'login' ? ['/login', 'POST'] : ['/counter', 'POST'];
  const results: Record<string, number[]> = { floor: [], nrs: [] };
  for (let round = 0; round < 4; round++) {
    if (process.argv[5] !== 'nrs') results.floor!.push(await measure(floor.inject, path, method, ['x'], total));
    else results.floor!.push(0);
    if (process.argv[5] !== 'floor')
      results.nrs!.push(await measure(nrs.inject, path, method, workload === 'login' ? [''] : cookies, total));
    else results.nrs!.push(0);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const f = median(results.floor!.slice(1));
  const n = median(results.nrs!.slice(1));
  console.log(
    `${adapter} ${workload}: floor ${f.toFixed(1)} µs/req, nrs ${n.toFixed(1)} µs/req, over floor ${(n - f).toFixed(1)} µs`,
  );
}
admin.disconnect();
await floor.app.close();
await nrs.app.close();
await redis.destroy();
process.exit(0);
