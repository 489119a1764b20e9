/**
 * Every value the `Cookie` header carries for one cookie name, in header order.
 *
 * Written here rather than taken from the `cookie` package because that one keeps only the first of
 * duplicate names and percent-decodes values; the session cookie needs every candidate (a cookie set by a
 * sibling subdomain can shadow ours) and its exact bytes. Names are matched case-sensitively, as browsers
 * send them; values are never decoded. Linear in the header length whatever its shape.
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
    if (pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}
