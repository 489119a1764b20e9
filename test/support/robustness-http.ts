import type { INestApplication } from '@nestjs/common';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Response } from 'supertest';

/** A parsed JSON body, loosely typed like supertest's `response.body`. */
export type Body = Response['body'];

/** One HTTP exchange as the robustness suites see it. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  readonly body: Body;
  readonly text: string;
  /** Wall time from sending to the end of the response. */
  readonly ms: number;
}

/** Options of one request. */
export interface SendOptions {
  /** The `Cookie` header, sent as given. */
  cookie?: string;
  /** A JSON body. */
  json?: unknown;
  /** A body sent as these exact characters (set `content-type` in `headers`). */
  raw?: string;
  headers?: Record<string, string>;
  /** Abort and reject after this long: a request this slow counts as hung. */
  timeoutMs?: number;
}

/** Rejected by `HttpClient.send` when a request takes longer than its `timeoutMs`. */
export class HungRequestError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly ms: number,
  ) {
    super(`${method} ${path} had no response after ${ms} ms`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Starts the app on a free loopback port and returns the port. */
export async function listen(app: INestApplication): Promise<number> {
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as { address(): AddressInfo | string | null };
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the app is not listening on TCP');
  return address.port;
}

/**
 * A small HTTP client over a keep-alive agent. Unlike supertest on a bare server it neither opens nor
 * closes the server per request, so hundreds of requests can run at once, and a soak does not exhaust
 * ephemeral ports.
 */
export class HttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });

  constructor(readonly port: number) {}

  get(path: string, options: SendOptions = {}): Promise<Reply> {
    return this.send('GET', path, options);
  }

  post(path: string, options: SendOptions = {}): Promise<Reply> {
    return this.send('POST', path, options);
  }

  send(method: string, path: string, options: SendOptions = {}): Promise<Reply> {
    const started = performance.now();
    const headers: Record<string, string> = { ...options.headers };
    let body: Buffer | undefined;
    if (options.raw !== undefined) body = Buffer.from(options.raw);
    else if (options.json !== undefined) {
      body = Buffer.from(JSON.stringify(options.json));
      headers['content-type'] = 'application/json';
    }
    if (body !== undefined) headers['content-length'] = String(body.length);
    if (options.cookie !== undefined) headers.cookie = options.cookie;
    return new Promise<Reply>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: parseJson(text),
              text,
              ms: performance.now() - started,
            });
          });
        },
      );
      const limit = options.timeoutMs ?? 15_000;
      const timer = setTimeout(() => {
        req.destroy();
        reject(new HungRequestError(method, path, limit));
      }, limit);
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The reply to a request written byte for byte to a socket. */
export interface RawReply {
  readonly status: number;
  readonly head: string;
  readonly body: Body;
  readonly text: string;
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * Sends `GET path` with the given `Cookie` header lines written as raw bytes, bypassing every client-side
 * header check: raw 0x80–0xFF bytes, broken UTF-8 (lone surrogates), control characters, several
 * `Cookie` lines, oversized headers. The server's own HTTP parser is the first to see them.
 */
export function rawGet(port: number, path: string, cookieLines: readonly Buffer[]): Promise<RawReply> {
  const head: Buffer[] = [Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`, 'latin1')];
  for (const line of cookieLines) head.push(Buffer.from('Cookie: ', 'latin1'), line, Buffer.from('\r\n', 'latin1'));
  head.push(Buffer.from('\r\n', 'latin1'));
  return new Promise<RawReply>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw GET ${path} had no response after 10 s`));
    }, 10_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may answer 400/431 and close before it has read everything we wrote.
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') {
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const headText = (split === -1 ? all : all.subarray(0, split)).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headText)?.[1] ?? 0);
      let bodyBytes: Buffer = split === -1 ? Buffer.alloc(0) : all.subarray(split + 4);
      if (/^transfer-encoding:\s*chunked/im.test(headText)) bodyBytes = dechunk(bodyBytes);
      const text = bodyBytes.toString('utf8');
      resolve({ status, head: headText, body: parseJson(text), text });
    });
    // write, not end: a half-closed socket makes Node's server abort a request still in progress.
    socket.write(Buffer.concat(head));
  });
}
