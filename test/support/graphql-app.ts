import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { UseGuards, type INestApplication } from '@nestjs/common';
import { Args, Field, GraphQLModule, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { AuthGuard, RedisSessionModule, Session } from 'nest-redis-session';
import { createTestApp, TEST_SECRET, type AdapterName } from './test-app.js';

interface ResolverData {
  [key: string]: unknown;
}

@ObjectType()
class SessionView {
  @Field(() => String)
  publicId!: string;

  @Field(() => Boolean)
  isNew!: boolean;

  @Field(() => Boolean)
  isAuthenticated!: boolean;

  @Field(() => String, { nullable: true })
  userId?: string;

  @Field(() => String)
  data!: string;
}

/** Queries and mutations exercising the session API, for the GraphQL suites. */
@Resolver()
export class SessionResolver {
  @Query(() => Boolean)
  ping(): boolean {
    return true;
  }

  @Query(() => SessionView)
  session(@Session() session: Session<ResolverData>): SessionView {
    return {
      publicId: session.publicId,
      isNew: session.isNew,
      isAuthenticated: session.isAuthenticated,
      userId: session.userId,
      data: JSON.stringify(session.data),
    };
  }

  @Query(() => String, { nullable: true })
  theme(@Session('theme') theme: string | undefined): string | undefined {
    return theme;
  }

  /** A query that writes: two of them in one operation run concurrently, on one session. */
  @Query(() => Int)
  visit(@Session() session: Session<ResolverData>, @Args('page', { type: () => String }) page: string): number {
    const visits = ((session.data[page] as number | undefined) ?? 0) + 1;
    session.data[page] = visits;
    return visits;
  }

  @UseGuards(AuthGuard)
  @Query(() => String)
  me(@Session() session: Session<ResolverData>): string {
    return session.userId!;
  }

  @UseGuards(AuthGuard)
  @Query(() => Boolean)
  guardedPing(): boolean {
    return true;
  }

  @Mutation(() => Boolean)
  setTheme(@Session() session: Session<ResolverData>, @Args('theme', { type: () => String }) theme: string): boolean {
    session.data.theme = theme;
    return true;
  }

  @Mutation(() => String)
  async login(
    @Session() session: Session<ResolverData>,
    @Args('userId', { type: () => String }) userId: string,
  ): Promise<string> {
    await session.login(userId);
    return session.publicId;
  }

  @Mutation(() => Boolean)
  async loginThenFail(@Session() session: Session<ResolverData>): Promise<boolean> {
    await session.login('u-fail');
    throw new Error('resolver failed after login');
  }

  @Mutation(() => Boolean)
  async logout(@Session() session: Session<ResolverData>): Promise<boolean> {
    await session.logout();
    return true;
  }
}

/**
 * An app serving `SessionResolver` at POST /graphql (code first, schema in memory). On Express it keeps
 * `@nestjs/apollo`'s default context (`{ req }`: the library finds the response as `req.res`); on Fastify
 * the context returns the reply too, as the README asks.
 */
export async function createGraphqlTestApp(
  adapter: AdapterName,
  options: { redis: string; [option: string]: unknown },
): Promise<INestApplication> {
  return createTestApp(adapter, {
    imports: [
      RedisSessionModule.forRoot({ secrets: [TEST_SECRET], ...options }),
      GraphQLModule.forRoot<ApolloDriverConfig>({
        driver: ApolloDriver,
        autoSchemaFile: true,
        graphiql: false,
        ...(adapter === 'fastify' ? { context: (request: object, reply: object) => ({ req: request, reply }) } : {}),
      }),
    ],
    providers: [SessionResolver],
  });
}
