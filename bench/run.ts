/**
 * `npm run bench`: nest-redis-session against express-session + connect-redis, @fastify/session +
 * connect-redis and NestJS without sessions, on Express and Fastify, with identical routes. Starts its own
 * redis-server and one process per contender app; drives each with autocannon from this process,
 * contenders interleaved, several rounds; reports medians, Redis commands per request, memory per session
 * and scaling with session size; writes bench/results/latest.{md,json,svg}. See docs/benchmark.md.
 */
import type { Redis } from 'ioredis';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scalingChart, throughputChart } from './lib/chart.js';
import type { AppStats } from './contenders/shared.js';
import { ContenderProcess } from './lib/contender-process.js';
import {
  CONTENDERS,
  SCALING_SIZES_KB,
  SCALING_WORKLOADS,
  WORKLOADS,
  runs,
  type Contender,
  type Workload,
} from './lib/contenders.js';
import { request, signInMany } from './lib/http.js';
import { runLoad } from './lib/load.js';
import { readOptions, type BenchOptions } from './lib/options.js';
import { renderProfile, summariseProfile } from './lib/profile-summary.js';
import {
  commandOrigins,
  deltaOf,
  memoryOf,
  sentPerRequestOf,
  snapshot,
  type CommandOrigins,
} from './lib/redis-stats.js';
import { RedisServer, redisServerVersion } from '../test/support/redis-server.js';
import { renderMarkdown, type MachineInfo } from './lib/report.js';
import { checkTargets, summarise, type MemorySample, type RunSample } from './lib/summary.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
/** Redis key prefix every contender uses (each library's default). */
const PREFIX = 'sess:';
/** Requests per census (sequential, under MONITOR). */
const CENSUS_REQUESTS = 20;

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

const running: ContenderProcess[] = [];
let redis: RedisServer | undefined;

/** Kills every process the benchmark started; safe to call twice. */
async function teardown(): Promise<void> {
  for (const proc of running.splice(0)) proc.kill();
  const server = redis;
  redis = undefined;
  await server?.destroy();
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    log(`\n${signal}: stopping the contenders and redis-server`);
    void teardown().finally(() => process.exit(130));
  });
}

function cpuMicros(before: AppStats, after: AppStats): number {
  return after.user + after.system - (before.user + before.system);
}

/** Census of which commands a contender sends per request, and which run inside its Lua scripts. */
async function census(
  inspector: Redis,
  proc: ContenderProcess,
  workload: Workload,
): Promise<{ origins: CommandOrigins; requests: number }> {
  await inspector.flushall();
  const cookies = workload.withCookie ? await signInMany(proc.url, 4) : [];
  const origins = await commandOrigins(inspector, async () => {
    for (let i = 0; i < CENSUS_REQUESTS; i++) {
      await request(`${proc.url}${workload.path}`, workload.method, cookies[i % Math.max(cookies.length, 1)]);
    }
  });
  return { origins, requests: CENSUS_REQUESTS };
}

async function measure(
  inspector: Redis,
  proc: ContenderProcess,
  workload: Workload,
  cookies: readonly string[],
  options: BenchOptions,
  duration: number,
  round: number,
  origins: CommandOrigins | undefined,
  sizeKb?: number,
): Promise<RunSample> {
  // Both snapshots are taken with no request in flight, so the Redis commands, CPU time and requests
  // between them match exactly.
  const appBefore = await proc.settled();
  const before = await snapshot(inspector);
  const load = await runLoad({ url: proc.url, workload, cookies, connections: options.connections, duration });
  const appAfter = await proc.settled();
  const after = await snapshot(inspector);
  const delta = deltaOf(before, after);
  const served = appAfter.finished - appBefore.finished;
  const n = Math.max(served, 1);
  const callsPerRequest: Record<string, number> = {};
  let sent = 0;
  for (const [command, calls] of delta.calls) {
    callsPerRequest[command] = calls / n;
    sent += sentPerRequestOf(origins, CENSUS_REQUESTS, command, calls / n);
  }
  return {
    round,
    contender: proc.contender.id,
    workload: workload.id,
    sizeKb,
    requests: load.requests,
    rps: load.rps,
    p50: load.p50,
    p99: load.p99,
    failures: load.failures,
    callsPerRequest,
    sentPerRequest: sent,
    redisBytesIn: delta.netIn / n,
    redisBytesOut: delta.netOut / n,
    appCpuUs: cpuMicros(appBefore, appAfter) / n,
    redisCpuUs: (delta.cpu * 1e6) / n,
  };
}

function describe(sample: RunSample): string {
  const failed = sample.failures > 0 ? `  ⚠ ${sample.failures} failed` : '';
  return (
    `${Math.round(sample.rps).toString().padStart(6)} req/s  p99 ${sample.p99.toFixed(0).padStart(3)} ms  ` +
    `${sample.sentPerRequest.toFixed(2)} cmd/req  app ${sample.appCpuUs.toFixed(0)} µs/req${failed}`
  );
}

/** The last commit that changed the library, `+changes` if its files differ from it; `unknown` outside git. */
function libraryRevision(): string {
  const git = (...args: string[]): string | undefined => {
    const result = spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' });
    return result.status === 0 ? result.stdout.trim() : undefined;
  };
  const commit = git('log', '-1', '--format=%h', '--', 'libs/redis-session');
  if (commit === undefined) return 'unknown';
  const changed = git('status', '--porcelain', '--', 'libs/redis-session');
  return changed ? `${commit}+changes` : commit;
}

async function main(): Promise<void> {
  const started = Date.now();
  const options = readOptions(process.argv.slice(2), process.env);
  const contenders = CONTENDERS.filter((c) => !options.only || options.only.includes(c.id));
  if (contenders.length === 0)
    throw new Error(`--only matched no contender; IDs: ${CONTENDERS.map((c) => c.id).join(', ')}`);
  const workloads = WORKLOADS.filter((w) => !options.workloads || options.workloads.includes(w.id));
  if (workloads.length === 0)
    throw new Error(`--workloads matched none; IDs: ${WORKLOADS.map((w) => w.id).join(', ')}`);
  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  const profileDir = join(outDir, 'profiles');
  if (options.profile) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }

  const redisVersion = redisServerVersion();
  redis = await RedisServer.start({ removeDirOnExit: true });
  const inspector = redis.client();
  log(
    `redis-server on ${redis.url}; ${contenders.length} contenders, ${options.rounds} rounds of ${options.duration} s, ${options.connections} connections`,
  );

  const processes = new Map<string, ContenderProcess>();
  for (const contender of contenders) {
    const execArgv = options.profile
      ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${contender.id}.cpuprofile`]
      : [];
    const proc = await ContenderProcess.start(
      contender,
      join(here, 'contenders', contender.entry),
      { BENCH_REDIS_URL: redis.url },
      execArgv,
    );
    running.push(proc);
    processes.set(contender.id, proc);
    log(`  started ${contender.id} on port ${proc.port}`);
  }

  // Which commands each contender sends, and which run in scripts: also proves every route answers 2xx.
  const origins = new Map<string, CommandOrigins>();
  for (const contender of contenders) {
    for (const workload of workloads.filter((w) => runs(contender, w))) {
      const result = await census(inspector, processes.get(contender.id)!, workload);
      origins.set(`${contender.id}|${workload.id}`, result.origins);
    }
  }
  log('  census done: every route answers');

  const samples: RunSample[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const workload of workloads) {
      // Contenders take turns, starting one further along each round, so none is always first.
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
      for (const contender of order.filter((c) => runs(c, workload))) {
        const proc = processes.get(contender.id)!;
        await inspector.flushall();
        const cookies = workload.withCookie ? await signInMany(proc.url, options.connections) : [];
        if (round === 0 && options.warmup > 0) {
          await runLoad({
            url: proc.url,
            workload,
            cookies,
            connections: options.connections,
            duration: options.warmup,
          });
        }
        const sample = await measure(
          inspector,
          proc,
          workload,
          cookies,
          options,
          options.duration,
          round,
          origins.get(`${contender.id}|${workload.id}`),
        );
        samples.push(sample);
        log(
          `[round ${round + 1}/${options.rounds}] ${workload.id.padEnd(9)} ${contender.id.padEnd(16)} ${describe(sample)}`,
        );
      }
    }
  }

  const sessionContenders: Contender[] = contenders.filter((c) => c.kind === 'peer' || c.kind === 'ours');
  if (options.scalingDuration > 0) {
    for (const sizeKb of SCALING_SIZES_KB) {
      for (const workload of SCALING_WORKLOADS.filter((w) => workloads.includes(w))) {
        for (const contender of sessionContenders) {
          const proc = processes.get(contender.id)!;
          await inspector.flushall();
          const cookies = await signInMany(proc.url, options.connections);
          for (const cookie of cookies) await request(`${proc.url}/fill/${sizeKb}`, 'POST', cookie);
          const sample = await measure(
            inspector,
            proc,
            workload,
            cookies,
            options,
            options.scalingDuration,
            0,
            origins.get(`${contender.id}|${workload.id}`),
            sizeKb,
          );
          samples.push(sample);
          log(
            `[scaling ${String(sizeKb).padStart(2)} KiB] ${workload.id.padEnd(5)} ${contender.id.padEnd(16)} ${describe(sample)}`,
          );
        }
      }
    }
  }

  // Memory: the same data in every contender's sessions (a sign-in, then the counter once), signed in with
  // a real browser's User-Agent; nest-redis-session again without its device facts (see report.ts).
  const memory: MemorySample[] = [];
  const sessionBytes = async (proc: ContenderProcess) => {
    await inspector.flushall();
    const cookies = await signInMany(proc.url, options.memorySessions);
    for (const cookie of cookies) await request(`${proc.url}/counter`, 'POST', cookie);
    const all = await memoryOf(inspector, `${PREFIX}*`);
    const index = await memoryOf(inspector, `${PREFIX}u:*`);
    return { all, index, sessions: cookies.length };
  };
  for (const contender of sessionContenders) {
    const proc = processes.get(contender.id)!;
    const { all, index, sessions } = await sessionBytes(proc);
    let sameData = { all, index, sessions };
    if (contender.kind === 'ours') {
      const bare = await ContenderProcess.start(
        contender,
        join(here, 'contenders', contender.entry),
        { BENCH_REDIS_URL: redis.url, BENCH_DEVICE_FACTS: 'off' },
        [],
      );
      running.push(bare);
      sameData = await sessionBytes(bare);
      await bare.stop();
      running.splice(running.indexOf(bare), 1);
    }
    memory.push({
      contender: contender.id,
      sessions,
      recordBytes: (all.bytes - index.bytes) / sessions,
      indexBytes: index.keys === 0 ? undefined : index.bytes / sessions,
      recordKeys: all.keys - index.keys,
      indexKeys: index.keys,
      recordBytesSameData: (sameData.all.bytes - sameData.index.bytes) / sameData.sessions,
    });
  }
  await inspector.flushall();
  inspector.disconnect();

  for (const proc of running.splice(0)) await proc.stop();
  await redis.destroy();
  redis = undefined;

  const summaries = summarise(samples);
  const targets = checkTargets(summaries, memory);
  const cpu = cpus();
  const settings =
    `autocannon ${options.connections} connections, ${options.rounds} round${options.rounds === 1 ? '' : 's'} × ${options.duration} s per contender and workload ` +
    `(contenders interleaved, ${options.warmup} s warm-up), scaling ${options.scalingDuration} s × 1 round`;
  const machine: MachineInfo = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: cpu[0]?.model.trim() ?? 'unknown CPU',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    redis: redisVersion.replace(/^Redis server v=(\S+).*$/, 'Redis $1'),
    revision: process.env.BENCH_LIBRARY_REVISION ?? libraryRevision(),
    settings,
    wallSeconds: (Date.now() - started) / 1000,
    note: options.note,
  };
  const scriptCommands = new Map<string, Set<string>>();
  for (const contender of contenders) {
    const nested = new Set<string>();
    for (const workload of WORKLOADS) {
      const o = origins.get(`${contender.id}|${workload.id}`);
      for (const command of o?.inScripts.keys() ?? []) if (!o?.sent.has(command)) nested.add(command);
    }
    scriptCommands.set(contender.id, nested);
  }
  const markdown = renderMarkdown(machine, summaries, targets, memory, scriptCommands);
  const subtitle = `${machine.cpu}, ${machine.cores} cores; Node ${machine.node}; ${machine.date}`;
  writeFileSync(join(outDir, 'latest.md'), markdown);
  writeFileSync(join(outDir, 'latest.svg'), await throughputChart(summaries, subtitle));
  if (summaries.some((s) => s.sizeKb !== undefined)) {
    writeFileSync(join(outDir, 'scaling.svg'), await scalingChart(summaries, subtitle));
  }
  const censusByRun = Object.fromEntries(
    [...origins].map(([key, o]) => [
      key,
      { sent: Object.fromEntries(o.sent), inScripts: Object.fromEntries(o.inScripts), requests: CENSUS_REQUESTS },
    ]),
  );
  writeFileSync(
    join(outDir, 'latest.json'),
    `${JSON.stringify({ machine, options, targets, summaries, memory, census: censusByRun, samples }, null, 2)}\n`,
  );

  if (options.profile) {
    const sections: string[] = [];
    for (const file of readdirSync(profileDir)
      .filter((name) => name.endsWith('.cpuprofile'))
      .sort()) {
      const id = file.replace(/\.cpuprofile$/, '');
      const summary = summariseProfile(join(profileDir, file), repoRoot);
      writeFileSync(join(profileDir, `${id}.folded`), summary.folded);
      sections.push(renderProfile(id, summary));
    }
    const header =
      `# CPU profiles, ${machine.date}\n\nWorkloads: ${workloads.map((w) => w.id).join(', ')}; ` +
      `${options.rounds} round(s) of ${options.duration} s. Flame graphs: open the .cpuprofile files in ` +
      'Chrome DevTools or speedscope, or feed the .folded files to flamegraph.pl.\n\n';
    writeFileSync(join(profileDir, 'summary.md'), header + sections.join('\n'));
    log(`profiles: ${profileDir} (summary.md, .cpuprofile, .folded)`);
  }

  process.stdout.write(`\n${markdown}\n`);
  log(`results: ${join(options.outDir, 'latest.md')}, latest.json, latest.svg (${Math.round(machine.wallSeconds)} s)`);
}

main().catch(async (error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  await teardown();
  process.exit(1);
});
