/**
 * Re-renders the report and the charts from a results directory's latest.json, without measuring again
 * (after a change to the report, the charts, the targets or the command accounting):
 * `node dist/bench/render.js [bench/results]`. The medians, ratios and targets are computed again from the
 * runs' raw samples, and each sample's commands sent per request again from its calls and the census.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scalingChart, throughputChart } from './lib/chart.js';
import { renderMarkdown, type MachineInfo } from './lib/report.js';
import { sentPerRequestOf } from './lib/redis-stats.js';
import { checkTargets, summarise, type MemorySample, type RunSample } from './lib/summary.js';

interface Results {
  machine: MachineInfo;
  memory: MemorySample[];
  census: Record<string, { sent: Record<string, number>; inScripts: Record<string, number>; requests: number }>;
  samples: RunSample[];
  [other: string]: unknown;
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
const samples = results.samples.map((sample): RunSample => {
  const census = results.census[`${sample.contender}|${sample.workload}`];
  const origins = census && {
    sent: new Map(Object.entries(census.sent)),
    inScripts: new Map(Object.entries(census.inScripts)),
  };
  const sent = Object.entries(sample.callsPerRequest).reduce(
    (sum, [command, calls]) => sum + sentPerRequestOf(origins, census?.requests ?? 1, command, calls),
    0,
  );
  return { ...sample, sentPerRequest: sent };
});
const summaries = summarise(samples);
const targets = checkTargets(summaries, results.memory);
writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify({ ...results, targets, summaries, samples }, null, 2)}\n`);
const { machine } = results;
const subtitle = `${machine.cpu}, ${machine.cores} cores; Node ${machine.node}; ${machine.date}`;
writeFileSync(join(outDir, 'latest.md'), renderMarkdown(machine, summaries, targets, results.memory, scriptCommands));
writeFileSync(join(outDir, 'latest.svg'), await throughputChart(summaries, subtitle));
if (summaries.some((s) => s.sizeKb !== undefined)) {
  writeFileSync(join(outDir, 'scaling.svg'), await scalingChart(summaries, subtitle));
}
process.stderr.write(`re-rendered ${outDir}/latest.md, latest.svg\n`);
