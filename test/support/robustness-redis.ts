import type { Redis } from 'ioredis';
import { startMonitor } from './redis-server.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every line `MONITOR` reports, commands run inside Lua scripts included, as plain text: what an
 * operator, a replica or a `MONITOR` session could read (S14, S35).
 */
export class MonitorCapture {
  readonly lines: string[] = [];
  private monitor: Redis | undefined;
  private constructor(private readonly client: Redis) {}

  /** Starts on the server `client` is connected to; `stop()` closes both connections. */
  static async start(client: Redis): Promise<MonitorCapture> {
    const capture = new MonitorCapture(client);
    capture.monitor = await startMonitor(client, (args, source) => capture.lines.push(`${source} ${args.join(' ')}`));
    return capture;
  }

  stop(): void {
    this.monitor?.disconnect();
    this.client.disconnect();
  }
}

/** Keys under `pattern` that have no TTL (S21). */
export async function keysWithoutTtl(inspector: Redis, pattern = '*'): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await inspector.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) if ((await inspector.pttl(key)) < 0) found.push(key);
  } while (cursor !== '0');
  return found;
}

/**
 * Session records under the default prefix: hashes at `sess:{<publicId>}` that are not rotation
 * forwarding markers (`#f`). User indexes (`sess:u:{…}`) and markers are left out.
 */
export async function liveRecords(inspector: Redis): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await inspector.scan(cursor, 'MATCH', 'sess:{*', 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      if ((await inspector.type(key)) === 'hash' && (await inspector.hexists(key, '#f')) === 0) found.push(key);
    }
  } while (cursor !== '0');
  return found.sort();
}

/** Every key on the server. */
export async function allKeys(inspector: Redis): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await inspector.scan(cursor, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** Every member of every per-user index (`sess:u:*`), sorted: the sessions the indexes list. */
export async function indexMembers(inspector: Redis): Promise<string[]> {
  const members: string[] = [];
  for (const index of await inspector.keys('sess:u:*')) members.push(...(await inspector.zrange(index, '0', '-1')));
  return members.sort();
}

/** What a stored record's data fields take, as `maxSessionBytes` counts them (the library's `#` fields left out). */
export async function storedDataBytes(inspector: Redis, key: string): Promise<number> {
  const fields = await inspector.hgetall(key);
  let bytes = 0;
  for (const [name, value] of Object.entries(fields)) {
    if (name.startsWith('#') && !name.startsWith('##')) continue;
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return bytes;
}

/**
 * Fills Redis up: `maxmemory` 1 byte under `noeviction`, so every write that needs memory is refused
 * (OOM), and checks that one is. `unfill` lifts it.
 */
export async function fillUp(inspector: Redis): Promise<void> {
  await inspector.config('SET', 'maxmemory-policy', 'noeviction');
  await inspector.config('SET', 'maxmemory', '1');
  await expect(inspector.set('probe', 'x')).rejects.toThrow(/OOM/);
}

/** Lifts the memory limit `fillUp` set. */
export async function unfill(inspector: Redis): Promise<void> {
  await inspector.config('SET', 'maxmemory', '0');
}

/** Files for a TLS Redis: a CA, and a server certificate it signed for 127.0.0.1 and localhost. */
export interface TlsFiles {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** The CA certificate's PEM text, for `tls: { ca }`. */
  readonly ca: string;
  remove(): void;
}

/** Whether the `openssl` command is available. */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Generates a throw-away CA and server certificate with `openssl` (valid for one day). */
export function makeTlsFiles(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'nrs-tls-'));
  const at = (name: string): string => join(dir, name);
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'ignore' });
  };
  run(['genrsa', '-out', at('ca.key'), '2048']);
  run(['req', '-x509', '-new', '-key', at('ca.key'), '-days', '1', '-subj', '/CN=nrs-test-ca', '-out', at('ca.crt')]);
  run(['genrsa', '-out', at('server.key'), '2048']);
  run(['req', '-new', '-key', at('server.key'), '-subj', '/CN=localhost', '-out', at('server.csr')]);
  writeFileSync(at('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run([
    'x509',
    '-req',
    '-in',
    at('server.csr'),
    '-CA',
    at('ca.crt'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    at('ext.cnf'),
    '-out',
    at('server.crt'),
  ]);
  return {
    dir,
    caCert: at('ca.crt'),
    serverCert: at('server.crt'),
    serverKey: at('server.key'),
    ca: readFileSync(at('ca.crt'), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
