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
import type { NestExpressApplication } from '@nestjs/platform-express';
import { RedisStore } from 'connect-redis';
import type { Request } from 'express';
import session from 'express-session';
import { createClient } from 'redis';
import { BENCH_SECRET, fillSize, IDLE_SECONDS, nextUser, paddingBlock, redisUrl, serve } from './shared.js';

declare module 'express-session' {
  interface SessionData {
    userId: string;
    name: string;
    roles: string[];
    counter: number;
    [block: `b${number}`]: unknown;
  }
}

/** 401 unless `POST /login` stored a user in the session: what apps write by hand with express-session. */
@Injectable()
class SignedInGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.switchToHttp().getRequest<Request>().session.userId === undefined) throw new UnauthorizedException();
    return true;
  }
}

/** The benchmark routes on express-session: `req.session`, saved by the middleware when modified. */
@Controller()
class BenchController {
  @Post('login')
  @HttpCode(200)
  async login(@Req() req: Request): Promise<object> {
    // A new session ID on sign-in (session fixation), as express-session's documentation recommends.
    await new Promise<void>((resolve, reject) =>
      req.session.regenerate((error?: Error) => (error ? reject(error) : resolve())),
    );
    const { userId, name, roles } = nextUser();
    req.session.userId = userId;
    req.session.name = name;
    req.session.roles = roles;
    return { userId };
  }

  @Get('me')
  @UseGuards(SignedInGuard)
  me(@Req() req: Request): object {
    return { userId: req.session.userId, name: req.session.name, counter: req.session.counter ?? 0 };
  }

  @Post('counter')
  @HttpCode(200)
  @UseGuards(SignedInGuard)
  counter(@Req() req: Request): object {
    const counter = (req.session.counter ?? 0) + 1;
    req.session.counter = counter;
    return { counter };
  }

  @Get('public')
  open(): object {
    return { ok: true };
  }

  @Post('fill/:kb')
  @HttpCode(200)
  @UseGuards(SignedInGuard)
  fill(@Req() req: Request, @Param('kb') kb: string): object {
    const blocks = fillSize(kb);
    for (let i = 0; i < blocks; i++) {
      const [key, value] = paddingBlock(i);
      req.session[key as `b${number}`] = value;
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
  const app = await NestFactory.create<NestExpressApplication>(BenchModule, { logger: false });
  // The configuration express-session's README recommends for a login session store.
  app.use(
    session({
      store: new RedisStore({ client, ttl: IDLE_SECONDS }),
      secret: BENCH_SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: false },
    }),
  );
  return app;
});
