import 'reflect-metadata';
import { Controller, Get, HttpCode, Inject, Module, Param, Post, type OnModuleDestroy } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { adapterArgument, fillSize, nextUser, redisUrl, serve } from './shared.js';

const REDIS = Symbol('REDIS');
const KEY = 'floor:session';

/**
 * The physical floor of a Redis session library: NestJS without sessions plus exactly the Redis round trips
 * the targets allow, and nothing else (no cookie parsing or signing, no expiry logic, no guard). Reading is
 * one `GET` and a `JSON.parse`; writing is that plus one `SET`. No session library that makes those round
 * trips can be faster on the same machine, so `floor ÷ peer` is the largest ratio any of them can reach.
 */
@Controller()
class BenchController implements OnModuleDestroy {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  onModuleDestroy(): void {
    this.redis.disconnect();
  }

  private async load(): Promise<{ userId: string; name: string; roles: string[]; counter?: number }> {
    const json = await this.redis.get(KEY);
    if (json !== null) return JSON.parse(json) as { userId: string; name: string; roles: string[]; counter?: number };
    const user = nextUser();
    await this.redis.set(KEY, JSON.stringify(user));
    return user;
  }

  @Post('login')
  @HttpCode(200)
  async login(): Promise<object> {
    const user = nextUser();
    await this.redis.set(KEY, JSON.stringify(user));
    return { userId: user.userId };
  }

  @Get('me')
  async me(): Promise<object> {
    const session = await this.load();
    return { userId: session.userId, name: session.name, counter: session.counter ?? 0 };
  }

  @Post('counter')
  @HttpCode(200)
  async counter(): Promise<object> {
    const session = await this.load();
    const counter = (session.counter ?? 0) + 1;
    await this.redis.set(KEY, JSON.stringify({ ...session, counter }));
    return { counter };
  }

  @Get('public')
  open(): object {
    return { ok: true };
  }

  @Post('fill/:kb')
  @HttpCode(200)
  fill(@Param('kb') kb: string): object {
    return { blocks: fillSize(kb) };
  }
}

@Module({
  controllers: [BenchController],
  providers: [{ provide: REDIS, useFactory: () => new Redis(redisUrl(), { maxRetriesPerRequest: 1 }) }],
})
class BenchModule {}

await serve(() =>
  NestFactory.create(BenchModule, adapterArgument() === 'express' ? new ExpressAdapter() : new FastifyAdapter(), {
    logger: false,
  }),
);
