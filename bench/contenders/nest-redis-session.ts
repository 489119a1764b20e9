import 'reflect-metadata';
import { Controller, Get, HttpCode, Module, Param, Post, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AuthGuard, RedisSessionModule, Session } from 'nest-redis-session';
import {
  adapterArgument,
  BENCH_SECRET,
  fillSize,
  IDLE_SECONDS,
  nextUser,
  paddingBlock,
  redisUrl,
  serve,
} from './shared.js';

interface BenchSession {
  name?: string;
  roles?: string[];
  counter?: number;
  [block: string]: unknown;
}

/** The benchmark routes on nest-redis-session: `AuthGuard` and `@Session()`, as its README shows. */
@Controller()
class BenchController {
  @Post('login')
  @HttpCode(200)
  async login(@Session() session: Session<BenchSession>): Promise<object> {
    const { userId, name, roles } = nextUser();
    await session.login(userId, { name, roles });
    return { userId };
  }

  @Get('me')
  @UseGuards(AuthGuard)
  me(@Session() session: Session<BenchSession>): object {
    return { userId: session.userId, name: session.data.name, counter: session.data.counter ?? 0 };
  }

  @Post('counter')
  @HttpCode(200)
  @UseGuards(AuthGuard)
  counter(@Session() session: Session<BenchSession>): object {
    const counter = (session.data.counter ?? 0) + 1;
    session.data.counter = counter;
    return { counter };
  }

  @Get('public')
  open(): object {
    return { ok: true };
  }

  @Post('fill/:kb')
  @HttpCode(200)
  @UseGuards(AuthGuard)
  fill(@Session() session: Session<BenchSession>, @Param('kb') kb: string): object {
    const blocks = fillSize(kb);
    for (let i = 0; i < blocks; i++) {
      const [key, value] = paddingBlock(i);
      session.data[key] = value;
    }
    return { blocks };
  }
}

@Module({
  imports: [
    RedisSessionModule.forRoot({
      redis: redisUrl(),
      secrets: [BENCH_SECRET],
      idleTimeout: IDLE_SECONDS * 1_000,
      // The memory measurement's second pass stores exactly the peers' data: no device facts.
      device: process.env.BENCH_DEVICE_FACTS === 'off' ? { userAgent: false, ip: false } : undefined,
    }),
  ],
  controllers: [BenchController],
})
class BenchModule {}

await serve(() =>
  NestFactory.create(BenchModule, adapterArgument() === 'express' ? new ExpressAdapter() : new FastifyAdapter(), {
    logger: false,
  }),
);
