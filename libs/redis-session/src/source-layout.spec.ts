import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shape of the library's source, kept as docs/architecture.md describes it: no module imports itself
 * back through others (type-only imports included), no file grows into a room with several jobs, and the
 * design's "Source tree" names exactly the files there are.
 */
const SOURCE = dirname(fileURLToPath(import.meta.url));
/** Past this a file is doing more than one job; see docs/architecture.md for the map. */
const MAX_LINES = 260;
/** The design of record, whose "Source tree" section has one line per source file. */
const ARCHITECTURE = resolve(SOURCE, '../../../docs/architecture.md');

/** The non-spec files under `dir` whose names end with one of `extensions`. */
function sourceFiles(dir: string, extensions: readonly string[] = ['.ts']): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path, extensions);
    return extensions.some((extension) => path.endsWith(extension)) && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * The files the "Source tree" section of `markdown` names, as paths relative to the source folder: under a
 * heading such as "### `src/store/lua/`", each list item "- `name`: its job" names one file of that
 * folder. Throws when an item comes before any folder heading, so a malformed section cannot pass.
 */
function documentedFiles(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === '## Source tree');
  if (start === -1) throw new Error('docs/architecture.md has no "## Source tree" section');
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  let folder: string | undefined;
  const files: string[] = [];
  for (const line of lines.slice(start + 1, end === -1 ? undefined : end)) {
    const heading = /^### `src\/([^`]*)`\s*$/.exec(line);
    if (heading) {
      folder = heading[1]!;
      continue;
    }
    const item = /^- `([^`]+)`/.exec(line);
    if (!item) continue;
    if (folder === undefined) throw new Error(`"${line}" comes before any folder heading`);
    files.push(`${folder}${item[1]!}`);
  }
  return files;
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

  it('is mapped by the "Source tree" of docs/architecture.md: every .ts and .lua file named, nothing else', () => {
    const onDisk = sourceFiles(SOURCE, ['.ts', '.lua'])
      .map((file) => relative(SOURCE, file).split(sep).join('/'))
      .sort();
    const documented = documentedFiles(readFileSync(ARCHITECTURE, 'utf8'));
    expect(documented.filter((file, i) => documented.indexOf(file) !== i)).toEqual([]);
    expect({
      missing: onDisk.filter((file) => !documented.includes(file)),
      'named but absent': documented.filter((file) => !onDisk.includes(file)).sort(),
    }).toEqual({ missing: [], 'named but absent': [] });
    expect(onDisk.filter((file) => file.endsWith('.lua')).length).toBeGreaterThan(5);
  });

  it('reads every source file and type-only imports too, so the checks above cannot pass vacuously', () => {
    expect(files.length).toBeGreaterThan(50);
    const handle = join(SOURCE, 'session', 'session-handle.ts');
    expect(importsOf(handle)).toContain(join(SOURCE, 'events', 'session-event.interface.ts'));
  });
});
