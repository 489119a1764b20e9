import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { cookieFrom, setCookieFor, setCookies } from './support/cookies.js';
import { createGraphqlTestApp } from './support/graphql-app.js';
import { useRedisServer } from './support/redis-fixture.js';
import { ADAPTERS } from './support/test-app.js';

interface GraphqlBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

describe.each(ADAPTERS)('sessions in GraphQL resolvers on %s', (adapter) => {
  const redis = useRedisServer({ recordCommands: true });
  let app: INestApplication;

  beforeAll(async () => {
    app = redis.closeBeforeStop(await createGraphqlTestApp(adapter, { redis: redis.url }));
  });

  const server = (): Parameters<typeof request>[0] => app.getHttpServer() as Parameters<typeof request>[0];

  function graphql(query: string, cookie?: string): request.Test {
    const call = request(server()).post('/graphql').set('Content-Type', 'application/json');
    if (cookie !== undefined) call.set('Cookie', cookie);
    return call.send({ query });
  }

  async function signedIn(userId: string): Promise<string> {
    return cookieFrom(await graphql(`mutation { login(userId: "${userId}") }`).expect(200));
  }

  it('sets the cookie of a login() mutation, with Cache-Control: no-store, and the next query is signed in', async () => {
    const response = await graphql('mutation { login(userId: "u-gql-1") }').expect(200);
    expect((response.body as GraphqlBody).errors).toBeUndefined();
    const header = setCookieFor(response);
    expect(header).toMatch(/^sid=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(response.headers['cache-control']).toBe('no-store');
    const me = await graphql('{ me session { isAuthenticated userId } }', cookieFrom(response)).expect(200);
    expect(me.body).toEqual({ data: { me: 'u-gql-1', session: { isAuthenticated: true, userId: 'u-gql-1' } } });
    expect(setCookieFor(me)).toBeUndefined();
  });

  it('refuses a guarded query without a signed-in session, and runs no resolver', async () => {
    const response = await graphql('{ me }').expect(200);
    const body = response.body as GraphqlBody;
    expect(body.data).toBeNull();
    expect(body.errors?.[0]).toMatchObject({ message: 'Sign-in required', extensions: { code: 'UNAUTHENTICATED' } });
    const noParam = (await graphql('{ guardedPing }').expect(200)).body as GraphqlBody;
    expect(noParam.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await graphql('{ guardedPing }', await signedIn('u-gql-2')).expect(200)).body).toEqual({
      data: { guardedPing: true },
    });
  });

  it('saves what a mutation changed before the response, creating the session and its cookie', async () => {
    const response = await graphql('mutation { setTheme(theme: "dark") }').expect(200);
    const cookie = cookieFrom(response);
    expect(await redis.inspector.dbsize()).toBe(1);
    const read = await graphql('{ theme }', cookie).expect(200);
    expect(read.body).toEqual({ data: { theme: 'dark' } });
    expect(setCookieFor(read)).toBeUndefined();
  });

  it('shares one session between the resolvers of an operation, and creates it once', async () => {
    const response = await graphql('{ a: visit(page: "a") b: visit(page: "b") c: visit(page: "a") }').expect(200);
    expect((response.body as GraphqlBody).errors).toBeUndefined();
    expect(setCookies(response).filter((header) => header.startsWith('sid='))).toHaveLength(1);
    const cookie = cookieFrom(response);
    const read = await graphql('{ session { data } }', cookie).expect(200);
    const data = JSON.parse((read.body as { data: { session: { data: string } } }).data.session.data) as object;
    expect(data).toEqual({ a: 2, b: 1 });
  });

  it('keeps the cookie of a login even when the mutation fails afterwards', async () => {
    const response = await graphql('mutation { loginThenFail }').expect(200);
    expect((response.body as GraphqlBody).errors?.[0]?.message).toBe('resolver failed after login');
    const me = await graphql('{ me }', cookieFrom(response)).expect(200);
    expect(me.body).toEqual({ data: { me: 'u-fail' } });
  });

  it('clears the cookie on a logout() mutation and deletes the record', async () => {
    const cookie = await signedIn('u-gql-3');
    const response = await graphql('mutation { logout }', cookie).expect(200);
    expect(setCookieFor(response)).toMatch(/^sid=; Path=\/; Max-Age=0;/);
    expect(await redis.inspector.keys('sess:{*')).toEqual([]);
    const me = (await graphql('{ me }', cookie).expect(200)).body as GraphqlBody;
    expect(me.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('sends no Redis command for a resolver that never touches the session', async () => {
    const response = await graphql('{ ping }').expect(200);
    expect(response.body).toEqual({ data: { ping: true } });
    expect(setCookieFor(response)).toBeUndefined();
    expect(await redis.recorder.take()).toEqual([]);
  });
});
