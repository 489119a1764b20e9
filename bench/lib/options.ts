import { parseArgs } from 'node:util';

/** How a benchmark run is set up: every knob has an environment variable and a flag. */
export interface BenchOptions {
  /** Seconds of load per measured run. */
  readonly duration: number;
  /** Rounds of the whole matrix; medians are taken over rounds. */
  readonly rounds: number;
  /** Concurrent HTTP connections autocannon keeps open. */
  readonly connections: number;
  /** Seconds of unmeasured load before a contender's first run of each workload. */
  readonly warmup: number;
  /** Seconds of load per scaling run (one round). 0 skips the scaling runs. */
  readonly scalingDuration: number;
  /** Sessions signed in for the memory measurement. */
  readonly memorySessions: number;
  /** Contender IDs to run (default: all). */
  readonly only: readonly string[] | undefined;
  /** Workload IDs to run (default: all). */
  readonly workloads: readonly string[] | undefined;
  /** Run every contender under `node --cpu-prof` and summarise the profiles. */
  readonly profile: boolean;
  /** Where results go. */
  readonly outDir: string;
  /** Free text printed with the results (for example "measured while other work was running"). */
  readonly note: string | undefined;
}

const HELP = `npm run bench [-- options]

  --duration <s>          seconds per measured run            (BENCH_DURATION, default 4)
  --rounds <n>            rounds, contenders interleaved      (BENCH_ROUNDS, default 3)
  --connections <n>       autocannon connections              (BENCH_CONNECTIONS, default 32)
  --warmup <s>            warm-up before the first round      (BENCH_WARMUP, default 1)
  --scaling-duration <s>  seconds per scaling run, 0 = skip   (BENCH_SCALING_DURATION, default 2)
  --memory-sessions <n>   sessions for the memory measurement (BENCH_MEMORY_SESSIONS, default 200)
  --only <ids>            comma-separated contender IDs       (BENCH_ONLY)
                          bare-express, bare-fastify, express-session, fastify-session, nrs-express, nrs-fastify
  --workloads <ids>       comma-separated workload IDs        (BENCH_WORKLOADS)
                          read, write, anonymous, login
  --profile               run contenders under --cpu-prof     (BENCH_PROFILE=1)
  --out <dir>             results directory                   (BENCH_OUT, default bench/results)
  --note <text>           a note printed with the results     (BENCH_NOTE)
`;

function positive(name: string, text: string | undefined, fallback: number, allowZero = false): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`${name}: got ${JSON.stringify(text)}, needs a ${allowZero ? 'non-negative' : 'positive'} number`);
  }
  return value;
}

/** Options from the command line, then the environment, then the defaults. */
export function readOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      'scaling-duration': { type: 'string' },
      'memory-sessions': { type: 'string' },
      only: { type: 'string' },
      workloads: { type: 'string' },
      profile: { type: 'boolean' },
      out: { type: 'string' },
      note: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const list = (text: string | undefined): string[] | undefined =>
    text
      ? text
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean)
      : undefined;
  return {
    duration: positive('duration', values.duration ?? env.BENCH_DURATION, 4),
    rounds: Math.round(positive('rounds', values.rounds ?? env.BENCH_ROUNDS, 3)),
    connections: Math.round(positive('connections', values.connections ?? env.BENCH_CONNECTIONS, 32)),
    warmup: positive('warmup', values.warmup ?? env.BENCH_WARMUP, 1, true),
    scalingDuration: positive('scaling-duration', values['scaling-duration'] ?? env.BENCH_SCALING_DURATION, 2, true),
    memorySessions: Math.round(
      positive('memory-sessions', values['memory-sessions'] ?? env.BENCH_MEMORY_SESSIONS, 200),
    ),
    only: list(values.only ?? env.BENCH_ONLY),
    workloads: list(values.workloads ?? env.BENCH_WORKLOADS),
    profile: values.profile ?? env.BENCH_PROFILE === '1',
    outDir: values.out ?? env.BENCH_OUT ?? 'bench/results',
    note: values.note ?? env.BENCH_NOTE,
  };
}
