import {
  ApolloServer,
  HeaderMap,
  type ApolloServerOptions,
  type BaseContext,
  type HTTPGraphQLRequest,
} from '@apollo/server';
import { Injectable } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { NextFunction, Request, Response, Express } from 'express';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';

type ContextFunction = (...args: unknown[]) => Promise<BaseContext>;

/**
 * `ApolloDriver` with its two HTTP integrations replaced. `@nestjs/apollo` mounts Apollo Server through
 * `@as-integrations/express5` and `@as-integrations/fastify`, and neither is installed in this workspace
 * (it exits the process when one is missing). This driver mounts the same `ApolloServer` the same way those
 * packages do, with their calling conventions, so the tests exercise what an app gets from them: on
 * Express the GraphQL context function receives `{ req, res }`, on Fastify `(request, reply)`; Apollo's
 * response headers are copied onto the response, then the body is sent. Everything else (schema, context
 * wrapping, error formatting, plugins) is `@nestjs/apollo`'s own.
 */
@Injectable()
export class ApolloTestDriver extends ApolloDriver {
  protected override async registerExpress(options: ApolloDriverConfig): Promise<void> {
    const server = await this.startServer(options);
    const context = options.context as ContextFunction;
    const app = this.httpAdapterHost.httpAdapter.getInstance<Express>();
    app.use(options.path!, (req: Request, res: Response, next: NextFunction) => {
      server
        .executeHTTPGraphQLRequest({
          httpGraphQLRequest: toGraphQLRequest(req.method, req.headers, req.originalUrl, req.body ?? {}),
          context: () => context({ req, res }),
        })
        .then((response) => {
          for (const [name, value] of response.headers) res.setHeader(name, value);
          res.status(response.status ?? 200);
          if (response.body.kind !== 'complete') throw new Error('incremental delivery is not supported here');
          res.send(response.body.string);
        })
        .catch(next);
    });
  }

  protected override async registerFastify(options: ApolloDriverConfig): Promise<void> {
    const server = await this.startServer(options);
    const context = options.context as ContextFunction;
    const app = this.httpAdapterHost.httpAdapter.getInstance<FastifyInstance>();
    app.route({
      url: options.path!,
      method: ['GET', 'POST'],
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const response = await server.executeHTTPGraphQLRequest({
          httpGraphQLRequest: toGraphQLRequest(request.method, request.headers, request.url, request.body ?? {}),
          context: () => context(request, reply),
        });
        for (const [name, value] of response.headers) void reply.header(name, value);
        void reply.code(response.status ?? 200);
        if (response.body.kind !== 'complete') throw new Error('incremental delivery is not supported here');
        return response.body.string;
      },
    });
  }

  private async startServer(options: ApolloDriverConfig): Promise<ApolloServer<BaseContext>> {
    const server = new ApolloServer<BaseContext>(options as unknown as ApolloServerOptions<BaseContext>);
    await server.start();
    this.apolloServer = server;
    return server;
  }
}

function toGraphQLRequest(
  method: string,
  headers: IncomingHttpHeaders,
  url: string,
  body: unknown,
): HTTPGraphQLRequest {
  const map = new HeaderMap();
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) map.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const query = url.indexOf('?');
  return { method: method.toUpperCase(), headers: map, search: query === -1 ? '' : url.slice(query), body };
}
