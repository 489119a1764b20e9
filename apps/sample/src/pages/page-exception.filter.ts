import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SessionUnauthorizedException } from 'nest-redis-session';
import { renderErrorPage } from './error.page.js';

/**
 * Answers the HTML routes' errors in HTML, for a person in a browser rather than a JSON client: a form
 * posted after the session expired goes back to the sign-in form, and other errors get a small page.
 * Writes through the HTTP adapter, so it works on Express and Fastify alike.
 */
@Catch(HttpException)
export class PageExceptionFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: HttpException, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    if (exception instanceof SessionUnauthorizedException) {
      httpAdapter.redirect(response, HttpStatus.SEE_OTHER, '/?notice=signin-required');
      return;
    }
    const status = exception.getStatus();
    httpAdapter.setHeader(response, 'content-type', 'text/html; charset=utf-8');
    httpAdapter.reply(response, renderErrorPage(status, exception.message).toString(), status);
  }
}
