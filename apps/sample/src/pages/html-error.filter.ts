import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { SessionUnauthorizedException } from 'nest-redis-session';
import { renderErrorPage } from './error.page.js';
import { themeFromCookieHeader } from './theme-cookie.js';

/** Routes of the JSON API: their errors stay Nest's JSON. */
const API = /^\/api(?:[/?]|$)/;

/**
 * Every error of the app, answered for its reader. The JSON API gets Nest's JSON errors; everything else
 * is a person in a browser, who gets a page of the shop in their theme: for errors of the pages'
 * handlers, and also for a 404, a form refused by the CSRF check, a body too large for the body parser,
 * a sign-in over its rate limit. A form posted after the session ended goes back to the sign-in form.
 *
 * Registered for the whole app (`APP_FILTER`), so it also sees the errors Nest raises before any route
 * runs; it writes through the HTTP adapter, so it works on Express and Fastify alike.
 */
@Catch()
export class HtmlErrorFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('HtmlErrorFilter');

  override catch(exception: unknown, host: ArgumentsHost): void {
    const httpAdapter = this.httpAdapterHost?.httpAdapter;
    if (host.getType() !== 'http' || httpAdapter === undefined) return super.catch(exception, host);
    const request = host.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const response: unknown = host.switchToHttp().getResponse();
    if (API.test(httpAdapter.getRequestUrl(request) as string) || httpAdapter.isHeadersSent(response)) {
      return super.catch(exception, host);
    }
    if (exception instanceof SessionUnauthorizedException) {
      httpAdapter.redirect(response, HttpStatus.SEE_OTHER, '/?notice=signin-required');
      return;
    }
    const { status, message } = this.describe(exception);
    httpAdapter.setHeader(response, 'content-type', 'text/html; charset=utf-8');
    httpAdapter.setHeader(response, 'cache-control', 'no-store');
    const theme = themeFromCookieHeader(request.headers.cookie);
    httpAdapter.reply(response, renderErrorPage({ status, message, theme }).toString(), status);
  }

  /** The status and a message fit to show; an unexpected error is logged and shown as a plain 500. */
  private describe(exception: unknown): { status: number; message: string } {
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const text = typeof body === 'string' ? body : (body as { message?: unknown }).message;
      return {
        status: exception.getStatus(),
        message: Array.isArray(text) ? text.join('; ') : typeof text === 'string' ? text : exception.message,
      };
    }
    // A framework's own client error that no one turned into an HttpException (Fastify's "body too
    // large", for one): its status and message are meant for the client.
    const { statusCode, message } = (exception ?? {}) as { statusCode?: unknown; message?: unknown };
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 && typeof message === 'string') {
      return { status: statusCode, message };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'The shop could not answer this request.' };
  }
}
