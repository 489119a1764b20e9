import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { AuthGuard, Session, SessionRepository } from 'nest-redis-session';

/** Routes over the per-user index, as an app's "devices" page would use them. */
@Controller('devices')
@UseGuards(AuthGuard)
export class DevicesController {
  constructor(private readonly sessions: SessionRepository) {}

  @Get()
  list(@Session() session: Session): Promise<object> {
    return this.sessions.listForUser(session.userId!, { current: session.publicId });
  }

  @Get('count')
  async count(@Session() session: Session): Promise<object> {
    return { count: await this.sessions.countForUser(session.userId!) };
  }

  @Delete(':publicId')
  async revoke(@Session() session: Session, @Param('publicId') publicId: string): Promise<object> {
    return { revoked: await this.sessions.revoke(session.userId!, publicId) };
  }

  @Post('revoke-others')
  @HttpCode(200)
  async revokeOthers(@Session() session: Session): Promise<object> {
    return { revoked: await this.sessions.revokeAllForUser(session.userId!, { except: session.publicId }) };
  }
}

/** Sign-in with device labels, for the device-list tests. */
@Controller('device-login')
export class DeviceLoginController {
  @Post()
  async login(@Session() session: Session, @Body() body: { userId: string; label?: string }): Promise<object> {
    await session.login(body.userId, undefined, body.label ? { metadata: { label: body.label } } : {});
    return { publicId: session.publicId };
  }
}
