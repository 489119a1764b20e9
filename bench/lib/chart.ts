import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { CONTENDERS, WORKLOADS } from './contenders.js';
import type { Summary } from './summary.js';

const COLORS: Record<string, string> = {
  'bare-express': '#bdbdbd',
  'bare-fastify': '#8c8c8c',
  'floor-express': '#d9d9d9',
  'floor-fastify': '#a6a6a6',
  'express-session': '#f4a261',
  'fastify-session': '#e76f51',
  'nrs-express': '#2a9d8f',
  'nrs-fastify': '#264653',
};

async function render(spec: vegaLite.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Grouped bars: requests/s per workload, one bar per contender, rendered headless by Vega-Lite. */
export function throughputChart(summaries: readonly Summary[], subtitle: string): Promise<string> {
  const contenders = CONTENDERS.filter((c) => summaries.some((s) => s.contender === c.id));
  const values = summaries
    .filter((s) => s.sizeKb === undefined)
    .map((s) => ({
      workload: WORKLOADS.find((w) => w.id === s.workload)?.short ?? s.workload,
      contender: CONTENDERS.find((c) => c.id === s.contender)?.label ?? s.contender,
      rps: Math.round(s.rps),
    }));
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Requests per second (median of rounds), higher is better', subtitle, anchor: 'start' },
    background: 'white',
    data: { values },
    width: { step: 18 },
    height: 260,
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: {
        field: 'workload',
        type: 'nominal',
        sort: WORKLOADS.map((w) => w.short),
        title: null,
        axis: { labelAngle: 0, labelLimit: 200 },
      },
      xOffset: { field: 'contender', type: 'nominal', sort: contenders.map((c) => c.label) },
      y: { field: 'rps', type: 'quantitative', title: 'requests/s' },
      color: {
        field: 'contender',
        type: 'nominal',
        title: null,
        sort: contenders.map((c) => c.label),
        scale: { domain: contenders.map((c) => c.label), range: contenders.map((c) => COLORS[c.id] ?? '#999') },
        legend: { orient: 'bottom', columns: 2, labelLimit: 300 },
      },
    },
    config: { font: 'sans-serif', view: { stroke: null } },
  };
  return render(spec);
}

/** Lines: app CPU per request against session size, per workload and contender. */
export function scalingChart(summaries: readonly Summary[], subtitle: string): Promise<string> {
  const scaling = summaries.filter((s) => s.sizeKb !== undefined);
  const contenders = CONTENDERS.filter((c) => scaling.some((s) => s.contender === c.id));
  const values = scaling.map((s) => ({
    workload: WORKLOADS.find((w) => w.id === s.workload)?.short ?? s.workload,
    contender: CONTENDERS.find((c) => c.id === s.contender)?.label ?? s.contender,
    kb: s.sizeKb,
    cpu: Math.round(s.appCpuUs),
  }));
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'App CPU per request vs session size (KiB), lower is better', subtitle, anchor: 'start' },
    background: 'white',
    data: { values },
    facet: { column: { field: 'workload', type: 'nominal', title: null } },
    spec: {
      width: 260,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'kb', type: 'quantitative', title: 'session data, KiB' },
        y: { field: 'cpu', type: 'quantitative', title: 'app CPU µs/request' },
        color: {
          field: 'contender',
          type: 'nominal',
          title: null,
          scale: { domain: contenders.map((c) => c.label), range: contenders.map((c) => COLORS[c.id] ?? '#999') },
          legend: { orient: 'bottom', columns: 2, labelLimit: 300 },
        },
      },
    },
    config: { font: 'sans-serif' },
  };
  return render(spec);
}
