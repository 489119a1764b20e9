import { CONTENDERS, SCALING_SIZES_KB, WORKLOADS } from './contenders.js';
import type { MemorySample, Summary, TargetCheck } from './summary.js';

/** Where and how the numbers were measured. */
export interface MachineInfo {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly redis: string;
  /** The library's revision: a commit, with `+changes` when its files differed from it. */
  readonly revision: string;
  readonly settings: string;
  readonly wallSeconds: number;
  readonly note: string | undefined;
}

const labelOf = (id: string): string => CONTENDERS.find((c) => c.id === id)?.label ?? id;

function num(value: number | undefined, digits = 0): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? '–' : `${value.toFixed(2)}×`;
}

/**
 * Commands per request by name: sent ones plain, those that ran inside a Lua script in brackets, from
 * the census that tells them apart.
 */
function commandList(summary: Summary, inScripts: ReadonlySet<string>): string {
  const entries = Object.entries(summary.callsPerRequest).filter(([, perRequest]) => perRequest >= 0.005);
  if (entries.length === 0) return 'none';
  const sent = entries.filter(([name]) => !inScripts.has(name));
  const nested = entries.filter(([name]) => inScripts.has(name));
  const show = (list: [string, number][]): string =>
    list.map(([name, perRequest]) => `${name.toUpperCase()} ${perRequest.toFixed(2)}`).join(', ');
  return [show(sent), nested.length > 0 ? `[in scripts: ${show(nested)}]` : ''].filter(Boolean).join(' ');
}

/** The Markdown report: the machine, the targets, the main table, memory and scaling. */
export function renderMarkdown(
  machine: MachineInfo,
  summaries: readonly Summary[],
  targets: readonly TargetCheck[],
  memory: readonly MemorySample[],
  scriptCommands: ReadonlyMap<string, ReadonlySet<string>>,
): string {
  const lines: string[] = [];
  lines.push(
    `Measured ${machine.date} on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), ${machine.os};`,
  );
  lines.push(
    `Node ${machine.node}, ${machine.redis}, nest-redis-session at ${machine.revision}. ${machine.settings}. ` +
      `Whole run: ${Math.round(machine.wallSeconds)} s.`,
  );
  if (machine.note) lines.push('', `> ${machine.note}`);
  lines.push('');
  lines.push('### Targets', '');
  lines.push('| Target | Measured | Ceiling (floor ÷ peer) | Met |', '| --- | --- | --- | --- |');
  for (const t of targets) {
    const met = t.met === undefined ? 'n/a' : t.met ? 'yes' : '**no**';
    lines.push(`| ${t.target} | ${t.measured} | ${t.ceiling ?? ''} | ${met} |`);
  }
  lines.push(
    '',
    'Ceiling: the floor contender (NestJS without sessions plus the same Redis round trips, nothing else)',
    'against the peer, measured in the same rounds: no library making those round trips can go faster here.',
  );
  lines.push('');
  lines.push('### Throughput, latency and Redis work per request (medians over rounds)', '');
  lines.push(
    '| Workload | Contender | req/s | p99 ms | × bare | × peer | Redis cmds sent/req | Redis calls/req by command | app CPU µs/req | Redis CPU µs/req |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
  );
  for (const workload of WORKLOADS) {
    for (const contender of CONTENDERS) {
      const s = summaries.find(
        (x) => x.contender === contender.id && x.workload === workload.id && x.sizeKb === undefined,
      );
      if (!s) continue;
      const peer = s.vsPeer ?? (s.oursVsThis === undefined ? undefined : 1 / s.oursVsThis);
      const failures = s.failures > 0 ? ` ⚠ ${s.failures} failed` : '';
      lines.push(
        `| ${workload.label} | ${labelOf(s.contender)}${failures} | ${num(s.rps)} | ${num(s.p99)} | ${ratio(s.vsBare)} | ${ratio(peer)} | ${num(s.sentPerRequest, 2)} | ${commandList(s, scriptCommands.get(s.contender) ?? new Set())} | ${num(s.appCpuUs)} | ${num(s.redisCpuUs)} |`,
      );
    }
  }
  lines.push('');
  lines.push(
    '`× bare`: requests/s relative to NestJS without sessions on the same adapter. `× peer`: nest-redis-session',
    'relative to express-session (Express) or @fastify/session (Fastify), shown on both rows (on a floor row:',
    'the floor relative to the peer, the ceiling for any library). Ratios are medians',
    'of per-round ratios. "Redis cmds sent/req" counts commands the app sent (round trips: no request pipelines',
    'its own commands); the by-command list is `INFO commandstats`, which also counts the commands a Lua script',
    'runs (in brackets). CPU is the app process and the Redis server, per request.',
  );
  lines.push('');
  lines.push('### Redis memory per session (same data: user ID, name, roles, counter)', '');
  lines.push(
    '| Contender | Sessions | Record bytes/session | Per-user index bytes/session | Total with index | Record bytes, same data as the peers |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const m of memory) {
    const index = m.indexBytes === undefined ? 'n/a (no index)' : num(m.indexBytes);
    const total = m.indexBytes === undefined ? 'n/a' : num(m.recordBytes + m.indexBytes);
    lines.push(
      `| ${labelOf(m.contender)} | ${m.sessions} | ${num(m.recordBytes)} | ${index} | ${total} | ${num(m.recordBytesSameData)} |`,
    );
  }
  lines.push(
    '',
    '`MEMORY USAGE <key> SAMPLES 0`, summed over the keys and divided by the sessions. Sessions are signed in',
    'with a desktop Chrome User-Agent (111 bytes). By default nest-redis-session also records device facts',
    'for the device list (a description such as "Chrome 131 on Windows", and the IP address); the last column',
    'is the record without them (`device: { userAgent: false, ip: false }`), holding exactly what the peers',
    'hold. The per-user index is the `sess:u:*` keys (each user signs in once); n/a when the library keeps none.',
  );
  const scaling = summaries.filter((s) => s.sizeKb !== undefined);
  if (scaling.length > 0) {
    lines.push('');
    lines.push('### Scaling with session size (one round; the write changes one key)', '');
    lines.push(
      '| Contender | Data | read req/s | write req/s | read app CPU µs | write app CPU µs | write − read app CPU µs | read: Redis bytes out/req | write: Redis bytes in/req | read / write Redis CPU µs |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const contender of CONTENDERS) {
      for (const size of SCALING_SIZES_KB) {
        const read = scaling.find((s) => s.contender === contender.id && s.sizeKb === size && s.workload === 'read');
        const write = scaling.find((s) => s.contender === contender.id && s.sizeKb === size && s.workload === 'write');
        if (!read && !write) continue;
        const extra = read && write ? write.appCpuUs - read.appCpuUs : undefined;
        const failures = (read?.failures ?? 0) + (write?.failures ?? 0);
        lines.push(
          `| ${labelOf(contender.id)}${failures > 0 ? ` ⚠ ${failures} failed` : ''} | ${size} KiB | ${num(read?.rps)} | ${num(write?.rps)} | ${num(read?.appCpuUs)} | ${num(write?.appCpuUs)} | ${num(extra)} | ${num(read?.redisBytesOut)} | ${num(write?.redisBytesIn)} | ${num(read?.redisCpuUs)} / ${num(write?.redisCpuUs)} |`,
        );
      }
    }
  }
  lines.push('');
  return lines.join('\n');
}
