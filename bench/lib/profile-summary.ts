import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Time spent in one function, from a `--cpu-prof` profile. */
export interface HotFunction {
  readonly name: string;
  /** `file:line` (1-based), relative to the repository where possible. */
  readonly location: string;
  readonly ms: number;
  readonly share: number;
}

/** Where a profile's time went: by function (self and inclusive) and by package. */
export interface ProfileSummary {
  readonly totalMs: number;
  /** Functions by self time. */
  readonly functions: HotFunction[];
  /** nest-redis-session's functions by inclusive time (themselves and what they call). */
  readonly library: HotFunction[];
  readonly packages: { name: string; ms: number; share: number }[];
  /** Stacks in the "folded" format flame graph tools read: `root;...;leaf <microseconds>` per line. */
  readonly folded: string;
}

function packageOf(url: string): string {
  if (url === '') return '(native, GC)';
  if (url.startsWith('node:')) return 'node core';
  if (url.includes('/libs/redis-session/')) return 'nest-redis-session';
  if (url.includes('/dist/bench/')) return 'bench app';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  return match ? match[1]! : url;
}

const IGNORED = new Set(['(idle)', '(program)', '(root)']);

/**
 * Reads a `.cpuprofile` and sums time per function (self and inclusive) and per package. Idle time is left
 * out; startup (module loading) is included, so profile a run long enough for the load to dominate.
 */
export function summariseProfile(path: string, root: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const locate = (frame: CallFrame): { name: string; location: string } => {
    const file = frame.url.startsWith('file://') ? relative(root, new URL(frame.url).pathname) : frame.url;
    return {
      name: frame.functionName || '(anonymous)',
      location: file === '' ? '' : `${file}:${frame.lineNumber + 1}`,
    };
  };
  const self = new Map<string, { name: string; location: string; us: number }>();
  const inclusive = new Map<string, { name: string; location: string; us: number }>();
  const packages = new Map<string, number>();
  const folded = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (IGNORED.has(frame.functionName)) continue;
    total += us;
    const leaf = locate(frame);
    const key = `${leaf.name}@${leaf.location}`;
    const entry = self.get(key) ?? { ...leaf, us: 0 };
    entry.us += us;
    self.set(key, entry);
    packages.set(packageOf(frame.url), (packages.get(packageOf(frame.url)) ?? 0) + us);
    const stack: string[] = [];
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const callFrame = byId.get(current)!.callFrame;
      if (IGNORED.has(callFrame.functionName)) continue;
      const at = locate(callFrame);
      stack.push(`${at.name} ${at.location}`.trim().replaceAll(';', ','));
      const atKey = `${at.name}@${at.location}`;
      if (callFrame.url.includes('/libs/redis-session/') && !seen.has(atKey)) {
        seen.add(atKey);
        const sum = inclusive.get(atKey) ?? { ...at, us: 0 };
        sum.us += us;
        inclusive.set(atKey, sum);
      }
    }
    const line = stack.reverse().join(';');
    folded.set(line, (folded.get(line) ?? 0) + us);
  }
  const rank = (map: Map<string, { name: string; location: string; us: number }>): HotFunction[] =>
    [...map.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, location: f.location, ms: f.us / 1000, share: f.us / total }));
  return {
    totalMs: total / 1000,
    functions: rank(self),
    library: rank(inclusive),
    packages: [...packages.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / total })),
    folded: [...folded.entries()].map(([stack, us]) => `${stack} ${Math.round(us)}`).join('\n') + '\n',
  };
}

/** A Markdown section for one profile. */
export function renderProfile(title: string, summary: ProfileSummary): string {
  const lines = [`## ${title}`, '', `Busy time sampled: ${summary.totalMs.toFixed(0)} ms (idle left out).`, ''];
  lines.push('| Package | self ms | share |', '| --- | ---: | ---: |');
  for (const p of summary.packages.slice(0, 12)) {
    lines.push(`| ${p.name} | ${p.ms.toFixed(0)} | ${(p.share * 100).toFixed(1)}% |`);
  }
  lines.push(
    '',
    'Top functions by self time:',
    '',
    '| Function | Location | self ms | share |',
    '| --- | --- | ---: | ---: |',
  );
  for (const f of summary.functions) {
    lines.push(`| ${f.name} | ${f.location} | ${f.ms.toFixed(0)} | ${(f.share * 100).toFixed(1)}% |`);
  }
  if (summary.library.length > 0) {
    lines.push(
      '',
      'nest-redis-session functions by inclusive time (what they and their callees took):',
      '',
      '| Function | Location | inclusive ms | share |',
      '| --- | --- | ---: | ---: |',
    );
    for (const f of summary.library) {
      lines.push(`| ${f.name} | ${f.location} | ${f.ms.toFixed(0)} | ${(f.share * 100).toFixed(1)}% |`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
