import { Body, Controller, Get, Param, Post, UseGuards } from '@nestjs/common';
import { AuthGuard, Session, SessionRepository } from 'nest-redis-session';
import { Latches } from './robustness.controller.js';
import { sessionView } from './fixture.controller.js';

interface Data {
  [key: string]: unknown;
}

/**
 * Routes for the rotation and concurrency suite: each `slow/:latch/...` route loads the session, parks on
 * a latch the test controls, then rotates or ends it, so another request can run in between (the write
 * is `RobustnessController`'s `/r/slow/:latch/set/:key`, mounted beside these).
 */
@Controller('rot')
export class RotationController {
  constructor(private readonly sessions: SessionRepository) {}

  /** What the session looks like to this request. */
  @Get('view')
  view(@Session() session: Session<Data>): object {
    return { ...sessionView(session), userId: session.userId ?? null, rejection: session.rejection ?? null };
  }

  @Post('slow/:latch/regenerate')
  async slowRegenerate(@Session() session: Session<Data>, @Param('latch') latch: string): Promise<object> {
    await Latches.pass(latch);
    await session.regenerate();
    return { userId: session.userId ?? null, isAuthenticated: session.isAuthenticated };
  }

  @Post('slow/:latch/login')
  async slowLogin(
    @Session() session: Session<Data>,
    @Param('latch') latch: string,
    @Body() body: { userId: string },
  ): Promise<object> {
    await Latches.pass(latch);
    await session.login(body.userId);
    return { userId: session.userId ?? null, data: session.data };
  }

  /** The same behind `AuthGuard`. */
  @Post('slow-guarded/:latch/regenerate')
  @UseGuards(AuthGuard)
  slowGuardedRegenerate(@Session() session: Session<Data>, @Param('latch') latch: string): Promise<object> {
    return this.slowRegenerate(session, latch);
  }

  /** `session.data = {...}`: replaces every key. */
  @Post('replace')
  replace(@Session() session: Session<Data>, @Body() body: { value: Data }): object {
    session.data = body.value;
    return { ok: true };
  }

  @Post('destroy')
  async destroy(@Session() session: Session<Data>): Promise<object> {
    await session.destroy();
    return { ok: true };
  }

  @Post('revoke-all/:userId')
  async revokeAll(@Param('userId') userId: string): Promise<object> {
    return { revoked: await this.sessions.revokeAllForUser(userId) };
  }

  @Post('revoke/:userId/:publicId')
  async revoke(@Param('userId') userId: string, @Param('publicId') publicId: string): Promise<object> {
    return { revoked: await this.sessions.revoke(userId, publicId) };
  }

  @Get('devices/:userId')
  async devices(@Param('userId') userId: string): Promise<object> {
    return { publicIds: (await this.sessions.listForUser(userId)).map((s) => s.publicId) };
  }
}
