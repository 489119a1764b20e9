import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A key and a self-signed certificate for 127.0.0.1. */
export interface TestCertificate {
  readonly key: Buffer;
  readonly cert: Buffer;
}

/**
 * A throwaway self-signed certificate for 127.0.0.1 (one day, P-256), made with `openssl`. Resolves
 * `undefined` when `openssl` is not installed; throws if it fails.
 */
export function selfSignedCertificate(): TestCertificate | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'nrs-tls-'));
  try {
    const result = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    if (result.error && 'code' in result.error && result.error.code === 'ENOENT') return undefined;
    if (result.error || result.status !== 0) {
      throw new Error(`openssl could not make a test certificate: ${result.error?.message ?? result.stderr}`);
    }
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An HTTPS server on a free loopback port, in front of a Node request listener (an Express app). */
export async function serveHttps(
  listener: RequestListener,
  certificate: TestCertificate,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer({ key: certificate.key, cert: certificate.cert }, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
