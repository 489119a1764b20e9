import { Body, Controller, Delete, Get, Param, Post, UseGuards } from '@nestjs/common';
import { AuthGuard, Public, RecentLogin, Session } from 'nest-redis-session';

interface FixtureData {
  [key: string]: unknown;
}

/** What the fixture routes show of any session; each adds what its suite asks about. */
export function sessionView(session: Session<FixtureData>): object {
  return {
    publicId: session.publicId,
    isNew: session.isNew,
    isAuthenticated: session.isAuthenticated,
    data: session.data,
  };
}

/** Routes exercising every part of the session API, shared by the end-to-end suites. */
@Controller()
export class FixtureController {
  @Get('anonymous')
  anonymous(): { ok: true } {
    return { ok: true };
  }

  @Get('session')
  read(@Session() session: Session<FixtureData>): object {
    return { ...sessionView(session), rejection: session.rejection ?? null };
  }

  @Get('key/:key')
  readKey(@Session() session: Session<FixtureData>, @Param('key') key: string): object {
    return { value: session.data[key] ?? null };
  }

  @Get('theme')
  theme(@Session('theme') theme: unknown): object {
    return { theme: theme ?? null };
  }

  @Post('set/:key')
  set(@Session() session: Session<FixtureData>, @Param('key') key: string, @Body() body: { value: unknown }): object {
    session.data[key] = body.value;
    return { ok: true };
  }

  @Post('push/:key')
  push(@Session() session: Session<FixtureData>, @Param('key') key: string, @Body() body: { value: unknown }): object {
    const list = (session.data[key] ??= []) as unknown[];
    list.push(body.value);
    return { length: list.length };
  }

  @Delete('key/:key')
  remove(@Session() session: Session<FixtureData>, @Param('key') key: string): object {
    delete session.data[key];
    return { ok: true };
  }

  @Post('login')
  async login(@Session() session: Session<FixtureData>, @Body() body: { userId: string }): Promise<object> {
    await session.login(body.userId);
    return { publicId: session.publicId };
  }

  @Post('login-then-fail')
  async loginThenFail(@Session() session: Session<FixtureData>): Promise<never> {
    await session.login('u-fail');
    throw new Error('handler failed after login');
  }

  @Post('logout')
  async logout(@Session() session: Session<FixtureData>): Promise<object> {
    await session.logout();
    return { ok: true };
  }

  @Post('regenerate')
  async regenerate(@Session() session: Session<FixtureData>): Promise<object> {
    await session.regenerate();
    return { publicId: session.publicId };
  }

  @Post('set-then-fail/:key')
  setThenFail(@Session() session: Session<FixtureData>, @Param('key') key: string): never {
    session.data[key] = 'should not be saved';
    throw new Error('handler failed');
  }

  @Post('set-unserializable/:kind')
  setUnserializable(@Session() session: Session<FixtureData>, @Param('kind') kind: string): object {
    if (kind === 'bigint') session.data.bad = 10n;
    if (kind === 'cycle') {
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      session.data.bad = cycle;
    }
    if (kind === 'deep') {
      let deep: unknown = 'leaf';
      for (let i = 0; i < 10_000; i++) deep = { deep };
      session.data.bad = deep;
    }
    session.data.touched = kind;
    return { ok: true };
  }

  @Post('set-size/:key/:bytes')
  setSize(@Session() session: Session<FixtureData>, @Param('key') key: string, @Param('bytes') bytes: string): object {
    session.data[key] = 'x'.repeat(Number(bytes));
    return { ok: true };
  }

  @Post('save-early/:key')
  async saveEarly(@Session() session: Session<FixtureData>, @Param('key') key: string): Promise<object> {
    session.data[key] = 'saved-early';
    await session.save();
    return { ok: true };
  }

  @Get('private')
  @UseGuards(AuthGuard)
  private(@Session() session: Session<FixtureData>): object {
    return { userId: session.userId, data: session.data };
  }

  @Get('private-no-param')
  @UseGuards(AuthGuard)
  privateNoParam(): object {
    return { ok: true };
  }

  @Get('recent')
  @UseGuards(AuthGuard)
  @RecentLogin(60_000)
  recent(): object {
    return { ok: true };
  }

  @Get('public')
  @Public()
  @UseGuards(AuthGuard)
  open(): object {
    return { ok: true };
  }
}
