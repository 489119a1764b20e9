// Copies the store's Lua scripts next to the compiled JavaScript: tsc only emits .js files.
import { cpSync } from 'node:fs';

const [from, to] = process.argv.slice(2);
if (!from || !to) throw new Error('usage: node copy-lua.mjs <from> <to>');
cpSync(from, to, { recursive: true, filter: (path) => !path.includes('.') || path.endsWith('.lua') });
