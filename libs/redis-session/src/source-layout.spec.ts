import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shape of the library's source, kept as docs/architecture.md describes it: no module imports itself
 * back through others (type-only imports included), and no file grows into a room with several jobs.
 */
const SOURCE = dirname(fileURLToPath(import.meta.url));
/** Past this a file is doing more than one job; see docs/architecture.md for the map. */
const MAX_LINES = 260;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The relative imports and re-exports of a file, type-only ones included, as source paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)].map(([, specifier]) =>
    resolve(dirname(file), specifier!.replace(/\.js$/, '.ts')),
  );
}

/** Every cycle in the import graph, each as a path of files. */
function cyclesOf(files: readonly string[]): string[][] {
  const graph = new Map(files.map((file) => [file, importsOf(file)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, 'visiting');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'visiting') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (state.get(file) === undefined) visit(file);
  return cycles;
}

describe('the library source', () => {
  const files = sourceFiles(SOURCE);
  const name = (file: string): string => relative(SOURCE, file);

  it('has no import cycle, type-only imports included', () => {
    expect(cyclesOf(files).map((cycle) => cycle.map(name).join(' → '))).toEqual([]);
  });

  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => [name(file), readFileSync(file, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it('reads every source file and type-only imports too, so the checks above cannot pass vacuously', () => {
    expect(files.length).toBeGreaterThan(50);
    const handle = join(SOURCE, 'session', 'session-handle.ts');
    expect(importsOf(handle)).toContain(join(SOURCE, 'events', 'session-event.interface.ts'));
  });
});
