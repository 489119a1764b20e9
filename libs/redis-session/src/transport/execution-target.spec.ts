import type { ExecutionContext } from '@nestjs/common';
import { executionTargetOf } from './execution-target.js';

/** A minimal `ExecutionContext` over an argument list, as Nest builds one for each transport. */
function contextOf(type: string, args: unknown[]): ExecutionContext {
  return {
    getType: () => type,
    getArgs: () => args,
    switchToHttp: () => ({ getRequest: () => args[0], getResponse: () => args[1], getNext: () => args[2] }),
  } as unknown as ExecutionContext;
}

const nodeRequest = (): object => ({ headers: { cookie: 'sid=x' } });

describe('executionTargetOf', () => {
  it('takes an HTTP request and response, unwrapping Fastify’s request', () => {
    const raw = nodeRequest();
    const reply = { raw: {}, header: () => undefined };
    const target = executionTargetOf(contextOf('http', [{ raw }, reply]));
    expect(target).toMatchObject({ response: reply, socket: undefined, message: undefined });
    expect(target?.request).toBe(raw);
  });

  it('takes the request and response from a GraphQL context', () => {
    const req = nodeRequest();
    const res = {};
    const target = executionTargetOf(contextOf('graphql', [undefined, {}, { req, res }, {}]));
    expect(target).toMatchObject({ request: req, response: res });
  });

  it('finds Express’s response as req.res when the GraphQL context holds only req', () => {
    const res = {};
    const req = { ...nodeRequest(), res };
    expect(executionTargetOf(contextOf('graphql', [undefined, {}, { req }, {}]))?.response).toBe(res);
  });

  it('takes Fastify’s reply from a GraphQL context, and the Node request under its request', () => {
    const raw = nodeRequest();
    const reply = { raw: {}, header: () => undefined };
    const target = executionTargetOf(contextOf('graphql', [undefined, {}, { req: { raw }, reply }, {}]));
    expect(target?.request).toBe(raw);
    expect(target?.response).toBe(reply);
  });

  it('has no response for a GraphQL context without one, and no target without a request', () => {
    expect(
      executionTargetOf(contextOf('graphql', [undefined, {}, { req: { raw: nodeRequest() } }, {}]))?.response,
    ).toBe(undefined);
    expect(executionTargetOf(contextOf('graphql', [undefined, {}, { connectionParams: {} }, {}]))).toBeUndefined();
    expect(executionTargetOf(contextOf('graphql', [undefined, {}, undefined, {}]))).toBeUndefined();
  });

  it('takes a socket’s recorded handshake request, with no response, keyed per message', () => {
    const socket = {};
    const request = nodeRequest();
    const handshakes = new Map<object, unknown>([[socket, request]]);
    const args = [socket, { some: 'data' }, 'event', 'pattern'];
    const target = executionTargetOf(contextOf('ws', args), (s) => handshakes.get(s) as never);
    expect(target).toMatchObject({ request, response: undefined, socket });
    expect(target?.message).toBe(args);
  });

  it('takes socket.io’s client.request when no handshake was recorded', () => {
    const request = nodeRequest();
    const socket = { request };
    expect(executionTargetOf(contextOf('ws', [socket, {}, undefined, 'pattern']))?.request).toBe(request);
  });

  it('has no target for a socket without a handshake request, nor for RPC', () => {
    expect(executionTargetOf(contextOf('ws', [{}, {}, 'pattern']))).toBeUndefined();
    expect(executionTargetOf(contextOf('rpc', [{}, {}]))).toBeUndefined();
  });
});
