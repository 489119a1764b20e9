/** Which HTTP adapter a contender runs on. */
export type AdapterName = 'express' | 'fastify';

/** One app under test. */
export interface Contender {
  /** Short ID, used in `--only` and the JSON. */
  readonly id: string;
  /** What the tables and the chart call it. */
  readonly label: string;
  readonly adapter: AdapterName;
  /** The compiled entry under dist/bench/contenders/. */
  readonly entry: string;
  /**
   * `bare`: no sessions (the ceiling); `floor`: bare plus the Redis round trips a session needs and nothing
   * else; `peer`: a library we compare with; `ours`: nest-redis-session.
   */
  readonly kind: 'bare' | 'floor' | 'peer' | 'ours';
  /** The workloads it runs, when not all of them. */
  readonly workloads?: readonly WorkloadId[];
}

export const CONTENDERS: readonly Contender[] = [
  { id: 'bare-express', label: 'NestJS/Express, no sessions', adapter: 'express', entry: 'bare.js', kind: 'bare' },
  { id: 'bare-fastify', label: 'NestJS/Fastify, no sessions', adapter: 'fastify', entry: 'bare.js', kind: 'bare' },
  {
    id: 'floor-express',
    label: 'floor: NestJS/Express + GET (+ SET)',
    adapter: 'express',
    entry: 'floor.js',
    kind: 'floor',
    workloads: ['read', 'write'],
  },
  {
    id: 'floor-fastify',
    label: 'floor: NestJS/Fastify + GET (+ SET)',
    adapter: 'fastify',
    entry: 'floor.js',
    kind: 'floor',
    workloads: ['read', 'write'],
  },
  {
    id: 'express-session',
    label: 'express-session + connect-redis',
    adapter: 'express',
    entry: 'express-session.js',
    kind: 'peer',
  },
  {
    id: 'fastify-session',
    label: '@fastify/session + connect-redis',
    adapter: 'fastify',
    entry: 'fastify-session.js',
    kind: 'peer',
  },
  {
    id: 'nrs-express',
    label: 'nest-redis-session (Express)',
    adapter: 'express',
    entry: 'nest-redis-session.js',
    kind: 'ours',
  },
  {
    id: 'nrs-fastify',
    label: 'nest-redis-session (Fastify)',
    adapter: 'fastify',
    entry: 'nest-redis-session.js',
    kind: 'ours',
  },
];

/** The contender with no sessions on the same adapter. */
export function bareOf(contender: Contender): string {
  return `bare-${contender.adapter}`;
}

/** The library nest-redis-session is compared with on the same adapter. */
export function peerOf(contender: Contender): string {
  return contender.adapter === 'express' ? 'express-session' : 'fastify-session';
}

/** Workload IDs. */
export type WorkloadId = 'read' | 'write' | 'anonymous' | 'login';

/** Whether a contender runs a workload. */
export function runs(contender: Contender, workload: Workload): boolean {
  return contender.workloads === undefined || contender.workloads.includes(workload.id);
}

/** One kind of request the load generator repeats. */
export interface Workload {
  readonly id: WorkloadId;
  readonly label: string;
  /** A few words, for chart axes. */
  readonly short: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Requests carry a signed-in session's cookie (one per pre-created session, rotated). */
  readonly withCookie: boolean;
}

export const WORKLOADS: readonly Workload[] = [
  {
    id: 'read',
    label: 'read session (guarded GET)',
    short: 'read session',
    method: 'GET',
    path: '/me',
    withCookie: true,
  },
  {
    id: 'write',
    label: 'write session (counter += 1)',
    short: 'write session',
    method: 'POST',
    path: '/counter',
    withCookie: true,
  },
  {
    id: 'anonymous',
    label: 'route without session (cookie sent)',
    short: 'route without session',
    method: 'GET',
    path: '/public',
    withCookie: true,
  },
  { id: 'login', label: 'sign in (new session)', short: 'sign in', method: 'POST', path: '/login', withCookie: false },
];

/** Session sizes of the scaling runs, KiB of data (about 1 KiB per key). */
export const SCALING_SIZES_KB: readonly number[] = [1, 10, 60];

/** Workloads of the scaling runs. */
export const SCALING_WORKLOADS: readonly Workload[] = WORKLOADS.filter((w) => w.id === 'read' || w.id === 'write');
