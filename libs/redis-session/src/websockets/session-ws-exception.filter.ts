import { Catch, type ArgumentsHost, type HttpException } from '@nestjs/common';
import { BaseWsExceptionFilter, WsException } from '@nestjs/websockets';
import { SessionStoreUnavailableException } from '../errors/session-store-unavailable.exception.js';
import { SessionTooLargeException } from '../errors/session-too-large.exception.js';
import { SessionUnauthorizedException } from '../errors/session-unauthorized.exception.js';
import { TooManySessionsException } from '../errors/too-many-sessions.exception.js';

const SESSION_EXCEPTIONS = [
  SessionUnauthorizedException,
  SessionStoreUnavailableException,
  SessionTooLargeException,
  TooManySessionsException,
];

/**
 * Tells a WebSocket client why the library refused a message. Nest's default gateway filter reports every
 * error that is not a `WsException` as "Internal server error"; this one sends the library's refusals
 * (`AuthGuard`'s 401, the store's 503, 413, 409) as `{ status: 'error', statusCode, message }` on the
 * `exception` event, and leaves everything else to Nest's filter.
 *
 * @example
 * @UseFilters(SessionWsExceptionFilter)
 * @UseGuards(AuthGuard)
 * @WebSocketGateway()
 * export class ChatGateway { ... }
 */
@Catch()
export class SessionWsExceptionFilter extends BaseWsExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (SESSION_EXCEPTIONS.some((type) => exception instanceof type)) {
      const refusal = exception as HttpException;
      super.catch(
        new WsException({ status: 'error', statusCode: refusal.getStatus(), message: refusal.message }),
        host,
      );
      return;
    }
    super.catch(exception, host);
  }
}
