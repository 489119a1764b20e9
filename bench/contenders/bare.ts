import 'reflect-metadata';
import { Controller, Get, HttpCode, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { adapterArgument, fillSize, nextUser, serve } from './shared.js';

/**
 * The same routes with no sessions at all: the ceiling every session library is measured against. The
 * handlers answer the same bodies from constants.
 */
@Controller()
class BenchController {
  @Post('login')
  @HttpCode(200)
  login(): object {
    return { userId: nextUser().userId };
  }

  @Get('me')
  me(): object {
    return { userId: 'user-000001', name: 'Bench User 000001', counter: 0 };
  }

  @Post('counter')
  @HttpCode(200)
  counter(): object {
    return { counter: 1 };
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

@Module({ controllers: [BenchController] })
class BenchModule {}

await serve(() =>
  NestFactory.create(BenchModule, adapterArgument() === 'express' ? new ExpressAdapter() : new FastifyAdapter(), {
    logger: false,
  }),
);
