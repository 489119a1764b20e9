import { Inject, Injectable } from '@nestjs/common';
import {
  describeUserAgent,
  REDIS_SESSION_OPTIONS,
  SessionRepository,
  SessionUnauthorizedException,
  type ResolvedSessionOptions,
  type Session,
  type SessionLimitPolicy,
} from 'nest-redis-session';
import type { ShopSession } from '../shop-session.interface.js';

/** One device (session) of the signed-in user, as the API returns it and the Devices page shows it. */
export interface DeviceView {
  /** The session's public ID (a hash of its ID): names it for "sign out", cannot be used to sign in. */
  readonly publicId: string;
  /**
   * "Firefox 128 on Linux": what the library recorded of the browser at sign-in (`describeUserAgent`), or
   * "Unknown device". Text the client chose (for a client the library does not recognise, its own words).
   */
  readonly description: string;
  /** When the user signed in on it. */
  readonly createdAt: Date;
  /** Its last request that refreshed the idle timer. */
  readonly lastSeenAt: Date;
  /** When it ends unless used again (capped by the absolute deadline). */
  readonly expiresAt: Date;
  /** Whether it is the session making this request. */
  readonly current: boolean;
  /** The client's IP address at sign-in. */
  readonly ip: string | undefined;
}

/** How many devices a user may be signed in on, and what happens at the limit. */
export interface DeviceLimit {
  /** Most sessions per user; `undefined`: no limit. */
  readonly maxSessionsPerUser: number | undefined;
  readonly onSessionLimit: SessionLimitPolicy;
}

/** What `signOutDevice()` did. */
export type SignOutResult = 'this-device' | 'other-device' | 'not-found';

/**
 * The signed-in user's devices, through the library's per-user index (`SessionRepository`). Shared by the
 * JSON API and the Devices page. Every method works on the user of the session it is given, so nobody can
 * list or end another user's sessions: the library's `revoke(userId, publicId)` does nothing to a session
 * of someone else.
 */
@Injectable()
export class DevicesService {
  constructor(
    private readonly sessions: SessionRepository,
    @Inject(REDIS_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
  ) {}

  /** The limit the app was started with. */
  get limit(): DeviceLimit {
    const { maxSessionsPerUser, onSessionLimit } = this.options;
    return { maxSessionsPerUser: maxSessionsPerUser > 0 ? maxSessionsPerUser : undefined, onSessionLimit };
  }

  /** The user's live sessions, newest first, this one marked `current`. */
  async list(session: Session<ShopSession>): Promise<DeviceView[]> {
    const summaries = await this.sessions.listForUser(userIdOf(session), { current: session.publicId });
    return summaries.map((summary) => ({
      publicId: summary.publicId,
      // The library already stores a description; describing it again changes nothing, and would also
      // turn a whole header into one if the app recorded `device: { userAgent: 'full' }`.
      description: describeUserAgent(summary.userAgent) ?? 'Unknown device',
      createdAt: summary.createdAt,
      lastSeenAt: summary.lastSeenAt,
      expiresAt: summary.expiresAt,
      current: summary.current,
      ip: summary.ip,
    }));
  }

  /**
   * Signs one of the user's devices out. This device goes through `session.logout()`, so the response also
   * clears its cookie; another goes through `revoke()`, and its next request is refused. A public ID that
   * is not one of this user's live sessions (gone already, or someone else's) changes nothing.
   */
  async signOutDevice(session: Session<ShopSession>, publicId: string): Promise<SignOutResult> {
    const userId = userIdOf(session);
    if (publicId === session.publicId) {
      await session.logout();
      return 'this-device';
    }
    return (await this.sessions.revoke(userId, publicId)) ? 'other-device' : 'not-found';
  }

  /** Signs out every device of the user but this one. Resolves how many were signed out. */
  signOutOtherDevices(session: Session<ShopSession>): Promise<number> {
    return this.sessions.revokeAllForUser(userIdOf(session), { except: session.publicId });
  }
}

/** The signed-in user; `AuthGuard` has checked there is one, this only says so to the compiler. */
function userIdOf(session: Session<ShopSession>): string {
  if (!session.isAuthenticated || session.userId === undefined) {
    throw new SessionUnauthorizedException('Sign-in required');
  }
  return session.userId;
}
