/**
 * Re-renders the report and the charts from a results directory's latest.json, without measuring again
 * (after a change to the report or the charts): `node dist/bench/render.js [bench/results]`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scalingChart, throughputChart } from './lib/chart.js';
import { renderMarkdown, type MachineInfo } from './lib/report.js';
import type { MemorySample, Summary, TargetCheck } from './lib/summary.js';

interface Results {
  machine: MachineInfo;
  targets: TargetCheck[];
  summaries: Summary[];
  memory: MemorySample[];
  census: Record<string, { sent: Record<string, number>; inScripts: Record<string, number> }>;
}

const outDir = resolve(process.argv[2] ?? 'bench/results');
const results = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8')) as Results;
const scriptCommands = new Map<string, Set<string>>();
for (const [key, origins] of Object.entries(results.census)) {
  const contender = key.split('|')[0]!;
  const nested = scriptCommands.get(contender) ?? new Set<string>();
  for (const command of Object.keys(origins.inScripts)) if (!(command in origins.sent)) nested.add(command);
  scriptCommands.set(contender, nested);
}
const { machine, summaries } = results;
const subtitle = `${machine.cpu}, ${machine.cores} cores; Node ${machine.node}; ${machine.date}`;
writeFileSync(
  join(outDir, 'latest.md'),
  renderMarkdown(machine, summaries, results.targets, results.memory, scriptCommands),
);
writeFileSync(join(outDir, 'latest.svg'), await throughputChart(summaries, subtitle));
if (summaries.some((s) => s.sizeKb !== undefined)) {
  writeFileSync(join(outDir, 'scaling.svg'), await scalingChart(summaries, subtitle));
}
process.stderr.write(`re-rendered ${outDir}/latest.md, latest.svg\n`);
