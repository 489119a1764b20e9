import { dirname, join } from 'node:path';
import ts from 'typescript';
import { REPOSITORY_ROOT } from './commands.js';

/** Where the library's entry points are, for `import ... from 'nest-redis-session'` in a checked file. */
const LIBRARY_PATHS: Readonly<Record<string, string[]>> = {
  'nest-redis-session': [join(REPOSITORY_ROOT, 'libs/redis-session/src/index.ts')],
  'nest-redis-session/testing': [join(REPOSITORY_ROOT, 'libs/redis-session/src/testing/index.ts')],
  'nest-redis-session/websockets': [join(REPOSITORY_ROOT, 'libs/redis-session/src/websockets/index.ts')],
  'nest-redis-session/terminus': [join(REPOSITORY_ROOT, 'libs/redis-session/src/terminus/index.ts')],
};

/** Options of `typeCheck`. */
export interface TypeCheckOptions {
  /** More `paths` entries (absolute paths), such as `{ ioredis: ['/…/node_modules/ioredis5/built/index.d.ts'] }`. */
  readonly paths?: Readonly<Record<string, string[]>>;
  /**
   * `'sources'`: `nest-redis-session` is the library's TypeScript sources. `'installed'`: it is whatever
   * Node's resolution finds from `folder` (a package unpacked into a `node_modules` there), and every
   * declaration file is checked too (no `skipLibCheck`), as in an app that does not skip them.
   * @default 'sources'
   */
  readonly library?: 'sources' | 'installed';
  /** The folder the files are in (in memory only). @default `.type-check` in the repository */
  readonly folder?: string;
}

/**
 * Type-checks a small app given as file contents (`{ 'src/main.ts': '...' }`) as a user's project would be
 * compiled: the repository's compiler options (strict, `nodenext`, decorators), plus `noUnusedLocals` and
 * `noUnusedParameters`, with `nest-redis-session` resolving to the library's sources. The files exist only
 * in memory, in a folder of the repository (so `node_modules` and `"type": "module"` apply to them).
 * Resolves every diagnostic, formatted; an empty list means it compiles.
 */
export function typeCheck(files: Readonly<Record<string, string>>, options: TypeCheckOptions = {}): string[] {
  const base = ts.readConfigFile(join(REPOSITORY_ROOT, 'tsconfig.base.json'), (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(base.config, ts.sys, REPOSITORY_ROOT);
  const compilerOptions: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    noUnusedLocals: true,
    noUnusedParameters: true,
    types: ['node', 'jest'],
    paths: { ...(options.library === 'installed' ? {} : LIBRARY_PATHS), ...options.paths },
    ...(options.library === 'installed' ? { skipLibCheck: false } : {}),
  };
  const folder = options.folder ?? join(REPOSITORY_ROOT, '.type-check');
  const virtual = new Map(Object.entries(files).map(([name, text]) => [join(folder, name), text]));
  const host = ts.createCompilerHost(compilerOptions, true);
  // The real file system, bound once, behind the files that exist only in memory.
  const disk = {
    fileExists: host.fileExists.bind(host),
    directoryExists: host.directoryExists?.bind(host),
    readFile: host.readFile.bind(host),
    getSourceFile: host.getSourceFile.bind(host),
  };
  const folders = new Set([...virtual.keys()].flatMap((path) => ancestorsOf(path, folder)));
  host.fileExists = (path) => virtual.has(path) || disk.fileExists(path);
  host.directoryExists = (path) => folders.has(path) || (disk.directoryExists?.(path) ?? false);
  host.readFile = (path) => virtual.get(path) ?? disk.readFile(path);
  host.getSourceFile = (path, language, ...rest) => {
    const text = virtual.get(path);
    return text === undefined
      ? disk.getSourceFile(path, language, ...rest)
      : ts.createSourceFile(path, text, language, true);
  };
  const program = ts.createProgram([...virtual.keys()], compilerOptions, host);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return diagnostics.map((diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.file === undefined || diagnostic.start === undefined) return text;
    const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const name = diagnostic.file.fileName.startsWith(folder)
      ? diagnostic.file.fileName.slice(folder.length + 1)
      : diagnostic.file.fileName.slice(REPOSITORY_ROOT.length + 1);
    return `${name}:${line + 1}:${character + 1} ${text}`;
  });
}

/** The folders from `path`'s own up to `root`, for a file that exists only in memory. */
function ancestorsOf(path: string, root: string): string[] {
  const folders: string[] = [];
  for (let dir = dirname(path); dir.startsWith(root); dir = dirname(dir)) folders.push(dir);
  return folders;
}

/** A README section's TypeScript files: the ```ts blocks whose first line is `// <path>.ts`. */
export interface ReadmeApp {
  /** The section's `## ` heading. */
  readonly section: string;
  readonly files: Readonly<Record<string, string>>;
}

/**
 * The small apps a README shows: per `## ` section, every ```ts block that names its file on its first line
 * (`// src/main.ts`). Blocks without such a line are fragments, not meant to compile alone.
 */
export function readmeApps(markdown: string): ReadmeApp[] {
  return markdown
    .split(/^(?=## )/m)
    .map((text) => {
      const section = /^## (.+)$/m.exec(text)?.[1]?.trim() ?? '(introduction)';
      const files: Record<string, string> = {};
      for (const [, code] of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
        const name = /^\/\/ (\S+\.ts)\n/.exec(code!)?.[1];
        if (name !== undefined) files[name] = code!;
      }
      return { section, files };
    })
    .filter((app) => Object.keys(app.files).length > 0);
}
