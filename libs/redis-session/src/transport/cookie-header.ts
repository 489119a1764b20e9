/**
 * Every value the `Cookie` header carries for one cookie name, in header order.
 *
 * Written here rather than taken from the `cookie` package because that one keeps only the first of
 * duplicate names and percent-decodes values; the session cookie needs every candidate (a cookie set by a
 * sibling subdomain can shadow ours) and its exact bytes. Names are matched case-sensitively, as browsers
 * send them; values are never decoded. Only spaces and tabs are trimmed: `String.prototype.trim` would also
 * strip Unicode spaces, turning a cookie a browser stored as `\u2000__Host-sid` (no prefix protection)
 * into our `__Host-sid`. Linear in the header length whatever its shape.
 */
export function readCookieValues(header: string | string[] | undefined, name: string): string[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join('; ') : header;
  const values: string[] = [];
  // Cheap reject: most requests without our cookie never get split.
  if (!text.includes(name)) return values;
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    if (trimSpaces(pair.slice(0, eq)) !== name) continue;
    let value = trimSpaces(pair.slice(eq + 1));
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}

/** Strips leading and trailing spaces and tabs (RFC 6265 OWS), nothing else. */
function trimSpaces(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
