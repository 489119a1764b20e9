import type { IncomingMessage } from 'node:http';

/**
 * The entry of an `X-Forwarded-*` header that `trustProxy` trusts, or `undefined` when it trusts none.
 *
 * Each proxy appends what it saw to the list (several headers of the same name count as one list, in
 * order). With `trustProxy: n` the entry `n` from the right is the one the outermost of the app's own `n`
 * proxies wrote; anything to its left came from the client. With `true` the left-most entry is taken,
 * which the client chooses whenever a proxy appends rather than replaces.
 */
export function trustedForwardedEntry(
  request: IncomingMessage,
  header: 'x-forwarded-for' | 'x-forwarded-proto',
  trustProxy: boolean | number,
): string | undefined {
  if (trustProxy === false) return undefined;
  const raw = request.headers[header];
  if (raw === undefined) return undefined;
  const entries = (Array.isArray(raw) ? raw.join(',') : raw)
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return undefined;
  // Fewer entries than proxies: a proxy replaced the header rather than appending; its one value stands.
  const index = trustProxy === true ? 0 : Math.max(0, entries.length - trustProxy);
  return entries[index];
}
