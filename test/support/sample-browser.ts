import request, { type Response } from 'supertest';
import { setCookieFor } from './cookies.js';

/** What supertest accepts as the app: `app.getHttpServer()`. */
export type HttpServer = Parameters<typeof request>[0];

/** How a body is sent: JSON like an API client, or urlencoded like an HTML form. */
export type BodyType = 'json' | 'form';

/**
 * A browser for the sample app's tests: it keeps the session cookie between requests (storing what
 * `Set-Cookie` sets, forgetting what it clears), so a test reads like a user's visit. `cookie` can be
 * saved and set by hand to replay an old cookie. Several browsers on one server are several devices, each
 * with its own cookie jar and, if given, its own `User-Agent`.
 */
export class SampleBrowser {
  /** The `sid=…` pair sent with every request, or `undefined` when the browser holds none. */
  cookie: string | undefined;

  constructor(
    private readonly server: HttpServer,
    /** Sent as `User-Agent` with every request; unset, supertest's default (none). */
    private readonly userAgent?: string,
  ) {}

  /** `GET path`, with the cookie. */
  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.send(request(this.server).get(path).set(headers));
  }

  /** `POST path`, with the cookie and, if given, a JSON or urlencoded body. */
  post(path: string, body?: object, type: BodyType = 'json', headers: Record<string, string> = {}): Promise<Response> {
    const test = request(this.server).post(path).set(headers);
    return this.send(body === undefined ? test : test.type(type).send(body));
  }

  /** `PUT path` with a JSON body, with the cookie. */
  put(path: string, body: object): Promise<Response> {
    return this.send(request(this.server).put(path).send(body));
  }

  /** `DELETE path`, with the cookie. */
  delete(path: string): Promise<Response> {
    return this.send(request(this.server).delete(path));
  }

  private async send(test: request.Test): Promise<Response> {
    if (this.cookie !== undefined) test.set('Cookie', this.cookie);
    if (this.userAgent !== undefined) test.set('User-Agent', this.userAgent);
    const response = await test;
    const header = setCookieFor(response);
    if (header !== undefined) this.cookie = /;\s*Max-Age=0(;|$)/i.test(header) ? undefined : header.split(';')[0];
    return response;
  }
}
