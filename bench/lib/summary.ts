import { bareOf, CONTENDERS, peerOf, type Contender } from './contenders.js';

/** One measured run: one contender, one workload, one round. Per-request figures are averages. */
export interface RunSample {
  readonly round: number;
  readonly contender: string;
  readonly workload: string;
  /** KiB of session data, for the scaling runs. */
  readonly sizeKb?: number;
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
  /** Calls per request by command, from `INFO commandstats` (commands inside Lua scripts included). */
  readonly callsPerRequest: Record<string, number>;
  /** Commands a client sent per request: the calls above less those that ran inside scripts. */
  readonly sentPerRequest: number;
  /** Bytes Redis received and sent per request. */
  readonly redisBytesIn: number;
  readonly redisBytesOut: number;
  /** CPU microseconds per request: the app's process, and Redis. */
  readonly appCpuUs: number;
  readonly redisCpuUs: number;
}

/** Medians over rounds for one contender and workload, and ratios against the references. */
export interface Summary {
  readonly contender: string;
  readonly workload: string;
  readonly sizeKb?: number;
  readonly rounds: number;
  readonly rps: number;
  readonly p99: number;
  readonly failures: number;
  readonly callsPerRequest: Record<string, number>;
  readonly sentPerRequest: number;
  readonly redisBytesIn: number;
  readonly redisBytesOut: number;
  readonly appCpuUs: number;
  readonly redisCpuUs: number;
  /** requests/s relative to the contender without sessions on the same adapter (median of per-round ratios). */
  readonly vsBare: number | undefined;
  /**
   * requests/s relative to the other session library on the same adapter (nest-redis-session, and the floor:
   * the largest ratio a library making the allowed round trips could reach).
   */
  readonly vsPeer: number | undefined;
  /** For the peers: nest-redis-session on the same adapter relative to this one. */
  readonly oursVsThis: number | undefined;
  /**
   * For nest-redis-session: requests/s relative to the floor on the same adapter (NestJS plus the same
   * number of plain Redis round trips and nothing else); `undefined` where the floor does not run.
   */
  readonly vsFloor: number | undefined;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function contenderById(id: string): Contender {
  const contender = CONTENDERS.find((c) => c.id === id);
  if (!contender) throw new Error(`unknown contender ${id}`);
  return contender;
}

/**
 * Medians of every figure over the rounds, and ratios paired by round: each round's ratio compares runs
 * made minutes apart at most, so a slow phase of the machine hits both sides; the median of those ratios
 * is reported.
 */
export function summarise(samples: readonly RunSample[]): Summary[] {
  const key = (s: { contender: string; workload: string; sizeKb?: number }): string =>
    `${s.contender}|${s.workload}|${s.sizeKb ?? ''}`;
  const groups = new Map<string, RunSample[]>();
  for (const sample of samples) {
    const list = groups.get(key(sample)) ?? [];
    list.push(sample);
    groups.set(key(sample), list);
  }
  const pairedRatio = (runs: readonly RunSample[], otherId: string, invert = false): number | undefined => {
    const first = runs[0]!;
    const others = groups.get(key({ contender: otherId, workload: first.workload, sizeKb: first.sizeKb }));
    if (!others) return undefined;
    const ratios: number[] = [];
    for (const run of runs) {
      const other = others.find((o) => o.round === run.round);
      if (other && other.rps > 0 && run.rps > 0) ratios.push(invert ? other.rps / run.rps : run.rps / other.rps);
    }
    return ratios.length > 0 ? median(ratios) : undefined;
  };
  const summaries: Summary[] = [];
  for (const runs of groups.values()) {
    const first = runs[0]!;
    const contender = contenderById(first.contender);
    const commands = new Set(runs.flatMap((r) => Object.keys(r.callsPerRequest)));
    const callsPerRequest: Record<string, number> = {};
    for (const command of [...commands].sort()) {
      callsPerRequest[command] = median(runs.map((r) => r.callsPerRequest[command] ?? 0));
    }
    summaries.push({
      contender: first.contender,
      workload: first.workload,
      sizeKb: first.sizeKb,
      rounds: runs.length,
      rps: median(runs.map((r) => r.rps)),
      p99: median(runs.map((r) => r.p99)),
      failures: runs.reduce((sum, r) => sum + r.failures, 0),
      callsPerRequest,
      sentPerRequest: median(runs.map((r) => r.sentPerRequest)),
      redisBytesIn: median(runs.map((r) => r.redisBytesIn)),
      redisBytesOut: median(runs.map((r) => r.redisBytesOut)),
      appCpuUs: median(runs.map((r) => r.appCpuUs)),
      redisCpuUs: median(runs.map((r) => r.redisCpuUs)),
      vsBare: contender.kind === 'bare' ? undefined : pairedRatio(runs, bareOf(contender)),
      vsPeer:
        contender.kind === 'ours' || contender.kind === 'floor' ? pairedRatio(runs, peerOf(contender)) : undefined,
      oursVsThis:
        contender.kind === 'peer'
          ? pairedRatio(runs, contender.adapter === 'express' ? 'nrs-express' : 'nrs-fastify', true)
          : undefined,
      vsFloor: contender.kind === 'ours' ? pairedRatio(runs, `floor-${contender.adapter}`) : undefined,
    });
  }
  return summaries;
}

/** Memory one session takes in Redis, for one contender. */
export interface MemorySample {
  readonly contender: string;
  readonly sessions: number;
  /** Bytes of the session records, per session. */
  readonly recordBytes: number;
  /** Bytes of the per-user index keys (`<prefix>u:*`), per session; `undefined` when there are none. */
  readonly indexBytes: number | undefined;
  readonly recordKeys: number;
  readonly indexKeys: number;
  /**
   * Bytes of the session records, per session, holding exactly the data the peers hold: nest-redis-session
   * started again with `device: { userAgent: false, ip: false }`; the same as `recordBytes` for the peers.
   */
  readonly recordBytesSameData: number;
}

/** One of the library's performance targets (docs/benchmark.md), and whether the run met it. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** For throughput ratios: what the floor contender reached, the most any library could. */
  readonly ceiling?: string;
  readonly met: boolean | undefined;
}

function find(summaries: readonly Summary[], contender: string, workload: string): Summary | undefined {
  return summaries.find((s) => s.contender === contender && s.workload === workload && s.sizeKb === undefined);
}

/** Every performance target of the library against this run's medians. */
export function checkTargets(summaries: readonly Summary[], memory: readonly MemorySample[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const fmt = (value: number | undefined, digits = 2): string =>
    value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
  const check = (
    target: string,
    value: number | undefined,
    ok: (v: number) => boolean,
    shown: string,
    ceiling?: number,
  ): void => {
    checks.push({
      target,
      measured: shown,
      ceiling: ceiling === undefined ? undefined : `${fmt(ceiling)}×`,
      met: value === undefined || Number.isNaN(value) ? undefined : ok(value),
    });
  };
  const adapters = [
    { name: 'Express', suffix: 'express', peer: 'express-session' },
    { name: 'Fastify', suffix: 'fastify', peer: '@fastify/session' },
  ] as const;
  /** The commands nest-redis-session sends per request of a workload, on both adapters. */
  const commandTarget = (workload: 'read' | 'write', label: string, most: number): void => {
    for (const adapter of adapters) {
      const sent = find(summaries, `nrs-${adapter.suffix}`, workload)?.sentPerRequest;
      // The process's estimate of the server's clock costs one TIME every ten seconds: 0.0001 per request.
      check(`${workload}, ${adapter.name}: ${label}`, sent, (v) => v <= most + 0.001, fmt(sent));
    }
  };
  /** nest-redis-session's requests/s against the floor's, paired by round. */
  const floorTarget = (workload: 'read' | 'write', at: number): void => {
    for (const adapter of adapters) {
      const ours = find(summaries, `nrs-${adapter.suffix}`, workload);
      check(
        `${workload}, ${adapter.name}: ≥ ${at}× the floor's req/s`,
        ours?.vsFloor,
        (v) => v >= at,
        `${fmt(ours?.vsFloor)}× (vs ${adapter.peer}: ${fmt(ours?.vsPeer)}×)`,
        find(summaries, `floor-${adapter.suffix}`, workload)?.vsPeer,
      );
    }
  };
  commandTarget('read', '≤ 1.0 Redis command sent per request', 1);
  commandTarget('write', '≤ 2 Redis round trips per request', 2);
  floorTarget('read', 0.9);
  floorTarget('write', 0.9);
  for (const adapter of adapters) {
    const login = find(summaries, `nrs-${adapter.suffix}`, 'login');
    check(
      `sign-in, ${adapter.name}: ≥ 1.2× ${adapter.peer} req/s`,
      login?.vsPeer,
      (v) => v >= 1.2,
      `${fmt(login?.vsPeer)}×`,
    );
  }
  for (const adapter of adapters) {
    const anonymous = find(summaries, `nrs-${adapter.suffix}`, 'anonymous');
    const calls = anonymous ? Object.values(anonymous.callsPerRequest).reduce((a, b) => a + b, 0) : undefined;
    check(`route without session, ${adapter.name}: 0 Redis commands`, calls, (v) => v === 0, fmt(calls, 3));
    check(
      `route without session, ${adapter.name}: ≥ 0.97× bare NestJS req/s`,
      anonymous?.vsBare,
      (v) => v >= 0.97,
      `${fmt(anonymous?.vsBare)}×`,
    );
  }
  // The read is one plain HGETALL; the floor's read is one plain GET of the same data as JSON, so its Redis
  // CPU per request (the command plus the network work around it) stands for "a plain read of the record".
  for (const adapter of adapters) {
    const ours = find(summaries, `nrs-${adapter.suffix}`, 'read');
    const floor = find(summaries, `floor-${adapter.suffix}`, 'read');
    const ratio = ours && floor ? ours.redisCpuUs / floor.redisCpuUs : undefined;
    check(
      `read, ${adapter.name}: Redis CPU ≤ 1.5× the floor's plain read`,
      ratio,
      (v) => v <= 1.5,
      ours && floor ? `${fmt(ratio)}× (${fmt(ours.redisCpuUs, 1)} vs ${fmt(floor.redisCpuUs, 1)} µs)` : 'n/a',
    );
  }
  {
    const ours = find(summaries, 'nrs-fastify', 'read');
    const floor = find(summaries, 'floor-fastify', 'read');
    const extra = ours && floor ? ours.appCpuUs - floor.appCpuUs : undefined;
    check(
      "read, Fastify: app CPU ≤ the floor's + 15 µs",
      extra,
      (v) => v <= 15,
      ours && floor ? `+${fmt(extra, 0)} µs (${fmt(ours.appCpuUs, 0)} vs ${fmt(floor.appCpuUs, 0)} µs)` : 'n/a',
    );
  }
  const ours = memory.find((m) => m.contender === 'nrs-express') ?? memory.find((m) => m.contender === 'nrs-fastify');
  const theirs = memory.find((m) => m.contender === 'express-session');
  // "For the same data": the peers keep no device facts, so the target is judged on records holding only
  // the data both keep; the default record, with the device facts behind the device list, is shown beside it.
  const ratio = ours && theirs ? ours.recordBytesSameData / theirs.recordBytes : undefined;
  const withDevice = ours && theirs ? ours.recordBytes / theirs.recordBytes : undefined;
  check(
    'memory: a session record ≤ 0.8× express-session + connect-redis bytes (same data)',
    ratio,
    (v) => v <= 0.8,
    ours && theirs
      ? `${fmt(ratio)}× (${Math.round(ours.recordBytesSameData)} vs ${Math.round(theirs.recordBytes)} B); ` +
          `with the device facts of the default ${fmt(withDevice)}× (${Math.round(ours.recordBytes)} B)`
      : 'n/a',
  );
  return checks;
}
