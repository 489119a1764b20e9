import { readdirSync, readFileSync } from 'node:fs';
import { REDIS_COMMANDS_NEEDED } from './redis-startup-checks.js';

/** The source files of this folder and of the health indicator, and every Lua script. */
function sources(): Array<{ name: string; text: string }> {
  const here = new URL('./', import.meta.url);
  const read = (dir: URL, name: string) => ({ name, text: readFileSync(new URL(name, dir), 'utf8') });
  const luaDir = new URL('./lua/', here);
  const terminusDir = new URL('../terminus/', here);
  return [
    ...readdirSync(here)
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'))
      .map((name) => read(here, name)),
    ...readdirSync(terminusDir)
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'))
      .map((name) => read(terminusDir, name)),
    ...readdirSync(luaDir).map((name) => read(luaDir, name)),
  ];
}

/** Commands a source sends: from Lua (`redis.call('X'`, and the prelude's helpers) and from ioredis calls. */
function commandsSent(text: string): string[] {
  const found: string[] = [];
  for (const [, name] of text.matchAll(/(?:redis\.p?call|readRecord|writeUnlessOutOfMemory|callChunked)\('([A-Z]+)'/g))
    found.push(name!);
  for (const [, name] of text.matchAll(/\b(?:client|server|host)\.call\('([A-Z]+)'/g)) found.push(name!);
  for (const [, name, sub] of text.matchAll(
    /(?:\b(?:client|server|host|connection)|as Redis\))\.([a-z]+)\((?:'([A-Z]+)')?/g,
  )) {
    if (NOT_COMMANDS.has(name!)) continue;
    found.push(name === 'script' ? `SCRIPT ${sub}` : name!.toUpperCase());
  }
  return found;
}

/** ioredis client methods that send no command of their own (or only optionally, like CONFIG). */
const NOT_COMMANDS = new Set([
  'call',
  'connect',
  'disconnect',
  'quit',
  'on',
  'once',
  'off',
  'emit',
  'nodes',
  'duplicate',
  'config',
  'evalsha',
  'eval',
  'removeListener',
  'listenerCount',
]);

describe('REDIS_COMMANDS_NEEDED', () => {
  it('names every command the store, the health indicator and the scripts send', () => {
    const sent = new Map<string, string>();
    for (const { name, text } of sources()) for (const command of commandsSent(text)) sent.set(command, name);
    expect(sent.size).toBeGreaterThan(15);
    const missing = [...sent].filter(([command]) => !REDIS_COMMANDS_NEEDED.includes(command));
    expect(missing).toEqual([]);
  });

  it('names no command nothing sends (but EVAL/EVALSHA, which LuaScript sends by method, and INFO, sent by ioredis)', () => {
    const sent = new Set(sources().flatMap(({ text }) => commandsSent(text)));
    const implicit = new Set(['EVALSHA', 'EVAL', 'INFO']);
    expect(REDIS_COMMANDS_NEEDED.filter((command) => !sent.has(command) && !implicit.has(command))).toEqual([]);
  });
});
