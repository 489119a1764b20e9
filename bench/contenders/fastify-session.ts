import 'reflect-metadata';
import {
  Controller,
  Get,
  HttpCode,
  Injectable,
  Module,
  Param,
  Post,
  Req,
  UnauthorizedException,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import { RedisStore } from 'connect-redis';
import type { FastifyRequest } from 'fastify';
import { createClient } from 'redis';
import { BENCH_SECRET, fillSize, IDLE_SECONDS, nextUser, paddingBlock, redisUrl, serve } from './shared.js';

declare module 'fastify' {
  interface Session {
    userId?: string;
    name?: string;
    roles?: string[];
    counter?: number;
  }
}

/** 401 unless `POST /login` stored a user in the session. */
@Injectable()
class SignedInGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.switchToHttp().getRequest<FastifyRequest>().session.get('userId') === undefined) {
      throw new UnauthorizedException();
    }
    return true;
  }
}

/** The benchmark routes on @fastify/session: `request.session`, saved in its onSend hook. */
@Controller()
class BenchController {
  @Post('login')
  @HttpCode(200)
  async login(@Req() request: FastifyRequest): Promise<object> {
    // A new session ID on sign-in (session fixation).
    await request.session.regenerate();
    const { userId, name, roles } = nextUser();
    request.session.set('userId', userId);
    request.session.set('name', name);
    request.session.set('roles', roles);
    return { userId };
  }

  @Get('me')
  @UseGuards(SignedInGuard)
  me(@Req() request: FastifyRequest): object {
    const { session } = request;
    return { userId: session.get('userId'), name: session.get('name'), counter: session.get('counter') ?? 0 };
  }

  @Post('counter')
  @HttpCode(200)
  @UseGuards(SignedInGuard)
  counter(@Req() request: FastifyRequest): object {
    const counter = (request.session.get('counter') ?? 0) + 1;
    request.session.set('counter', counter);
    return { counter };
  }

  @Get('public')
  open(): object {
    return { ok: true };
  }

  @Post('fill/:kb')
  @HttpCode(200)
  @UseGuards(SignedInGuard)
  fill(@Req() request: FastifyRequest, @Param('kb') kb: string): object {
    const blocks = fillSize(kb);
    const session = request.session as unknown as { set(key: string, value: unknown): void };
    for (let i = 0; i < blocks; i++) {
      const [key, value] = paddingBlock(i);
      session.set(key, value);
    }
    return { blocks };
  }
}

@Module({ controllers: [BenchController], providers: [SignedInGuard] })
class BenchModule {}

await serve(async () => {
  const client = createClient({ url: redisUrl() });
  client.on('error', () => undefined);
  await client.connect();
  const app = await NestFactory.create<NestFastifyApplication>(BenchModule, new FastifyAdapter(), { logger: false });
  await app.register(fastifyCookie);
  // @fastify/session's defaults, except what plain-HTTP benchmarking needs (its cookie is Secure by
  // default and would never be sent back) and not storing empty sessions (as for every other contender).
  await app.register(fastifySession, {
    store: new RedisStore({ client, ttl: IDLE_SECONDS }),
    secret: BENCH_SECRET,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: false },
  });
  return app;
});
