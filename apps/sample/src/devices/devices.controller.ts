import { Controller, Delete, Get, Header, HttpCode, HttpStatus, NotFoundException, Param, Post } from '@nestjs/common';
import { Session, type SessionLimitPolicy } from 'nest-redis-session';
import type { ShopSession } from '../shop-session.interface.js';
import { DevicesService, type DeviceView } from './devices.service.js';
import { parsePublicId } from './public-id.input.js';

/** One device as `GET /api/devices` returns it: the view with ISO dates. */
export interface DeviceJson {
  readonly publicId: string;
  readonly description: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly expiresAt: string;
  readonly current: boolean;
  readonly ip: string | null;
}

/** What `GET /api/devices` returns. */
export interface DevicesResponse {
  /** The user's sessions, newest first. */
  readonly devices: DeviceJson[];
  /** Most devices a user may be signed in on; `null`: no limit. */
  readonly maxSessionsPerUser: number | null;
  /** What a sign-in over the limit does. */
  readonly onSessionLimit: SessionLimitPolicy;
}

/** What `DELETE /api/devices/:publicId` returns. */
export interface SignOutDeviceResponse {
  readonly revoked: true;
  /** True when the device was this one: the response also cleared the cookie. */
  readonly current: boolean;
}

/**
 * The signed-in user's devices (sessions) as JSON: list them, sign one out, sign out all the others.
 * Signed-in users only (the app-wide `AuthGuard`).
 */
@Controller('api/devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  /** `GET /api/devices` → the user's sessions, newest first, this one `current: true`; and the limit. */
  @Get()
  // Where the user is signed in, with IP addresses: no shared cache may keep it.
  @Header('cache-control', 'no-store')
  async list(@Session() session: Session<ShopSession>): Promise<DevicesResponse> {
    const devices = await this.devices.list(session);
    const { maxSessionsPerUser, onSessionLimit } = this.devices.limit;
    return { devices: devices.map(toJson), maxSessionsPerUser: maxSessionsPerUser ?? null, onSessionLimit };
  }

  /**
   * `DELETE /api/devices/:publicId` → 200 `{ revoked: true, current }`. Signing out this device also clears
   * the cookie. 404 for a public ID that is not one of the user's sessions: one already signed out, and one
   * of another user, get the same answer, so it tells nothing about other users' sessions. 400 for a value
   * that cannot be a public ID.
   */
  @Delete(':publicId')
  async signOut(
    @Session() session: Session<ShopSession>,
    @Param('publicId') publicId: string,
  ): Promise<SignOutDeviceResponse> {
    const result = await this.devices.signOutDevice(session, parsePublicId(publicId));
    if (result === 'not-found') throw new NotFoundException('No such device among your sessions');
    return { revoked: true, current: result === 'this-device' };
  }

  /** `POST /api/devices/sign-out-others` → 200 `{ signedOut: n }`: every session of the user but this one ends. */
  @Post('sign-out-others')
  @HttpCode(HttpStatus.OK)
  async signOutOthers(@Session() session: Session<ShopSession>): Promise<{ signedOut: number }> {
    return { signedOut: await this.devices.signOutOtherDevices(session) };
  }
}

function toJson(device: DeviceView): DeviceJson {
  return {
    publicId: device.publicId,
    description: device.description,
    createdAt: device.createdAt.toISOString(),
    lastSeenAt: device.lastSeenAt.toISOString(),
    expiresAt: device.expiresAt.toISOString(),
    current: device.current,
    ip: device.ip ?? null,
  };
}
