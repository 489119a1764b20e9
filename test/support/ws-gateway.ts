import { UseFilters, UseGuards } from '@nestjs/common';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { AuthGuard, Session } from 'nest-redis-session';
import { SessionWsExceptionFilter } from 'nest-redis-session/websockets';

interface GatewayData {
  [key: string]: unknown;
}

/** A reply as both platforms send it: `ws` as a JSON frame, socket.io as an event. */
interface Reply {
  event: string;
  data: unknown;
}

/** Message handlers exercising the session API over a socket, for the WebSocket suites. */
@UseFilters(SessionWsExceptionFilter)
@WebSocketGateway()
export class SessionGateway {
  @SubscribeMessage('whoami')
  whoami(@Session() session: Session<GatewayData>): Reply {
    return {
      event: 'whoami',
      data: {
        publicId: session.publicId,
        isNew: session.isNew,
        isAuthenticated: session.isAuthenticated,
        userId: session.userId ?? null,
        data: session.data,
      },
    };
  }

  @SubscribeMessage('theme')
  theme(@Session('theme') theme: unknown): Reply {
    return { event: 'theme', data: { theme: theme ?? null } };
  }

  @SubscribeMessage('set')
  async set(
    @Session() session: Session<GatewayData>,
    @MessageBody() body: { key: string; value: unknown; delay?: number },
  ): Promise<Reply> {
    // An optional pause keeps the handler running while later messages arrive on the same socket.
    if (body.delay) await new Promise((resolve) => setTimeout(resolve, body.delay));
    session.data[body.key] = body.value;
    return { event: 'set', data: { key: body.key } };
  }

  @UseGuards(AuthGuard)
  @SubscribeMessage('private')
  private(@Session() session: Session<GatewayData>): Reply {
    return { event: 'private', data: { userId: session.userId } };
  }

  @UseGuards(AuthGuard)
  @SubscribeMessage('private-no-param')
  privateNoParam(): Reply {
    return { event: 'private-no-param', data: { ok: true } };
  }

  @SubscribeMessage('ping')
  ping(): Reply {
    return { event: 'ping', data: { ok: true } };
  }

  @SubscribeMessage('login')
  async login(@Session() session: Session<GatewayData>, @MessageBody() body: { userId: string }): Promise<Reply> {
    await session.login(body.userId);
    return { event: 'login', data: { publicId: session.publicId } };
  }

  @SubscribeMessage('logout')
  async logout(@Session() session: Session<GatewayData>): Promise<Reply> {
    await session.logout();
    return { event: 'logout', data: { ok: true } };
  }
}
