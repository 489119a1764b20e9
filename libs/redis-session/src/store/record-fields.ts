/**
 * Names of the library's own fields inside a session hash. They start with '#'; a data key that starts
 * with '#' is stored with one more '#', so no data key can take a library field (S32). Names stay short
 * to keep small hashes in Redis's compact listpack encoding.
 */
export const RecordField = {
  createdAt: '#c',
  lastSeenAt: '#s',
  deadline: '#d',
  userId: '#u',
  authenticatedAt: '#t',
  userAgent: '#a',
  ip: '#i',
  metadata: '#m',
  /** In a rotation tombstone: the successor's publicId. */
  forward: '#f',
  /** In a rotation tombstone: the old session's owner ('' for anonymous). */
  formerOwner: '#o',
  /** In a rotation tombstone: the successor's owner ('' for anonymous). */
  successorOwner: '#n',
  /** In a rotation tombstone: until when requests with the old ID are forwarded (absent: never). */
  forwardUntil: '#g',
} as const;

/** The hash field that holds a data key. */
export function fieldOfDataKey(key: string): string {
  return key.charCodeAt(0) === 0x23 /* # */ ? `#${key}` : key;
}

/** The data key a hash field holds, or `undefined` for a library field. */
export function dataKeyOfField(field: string): string | undefined {
  if (field.charCodeAt(0) !== 0x23) return field;
  return field.charCodeAt(1) === 0x23 ? field.slice(1) : undefined;
}

/**
 * What data fields take towards `maxSessionBytes`: each stored field name and JSON value, in bytes. The
 * stores and update-session.lua count the same way.
 */
export function dataBytesOf(fields: ReadonlyMap<string, string>): number {
  let bytes = 0;
  for (const [key, json] of fields) bytes += Buffer.byteLength(fieldOfDataKey(key)) + Buffer.byteLength(json);
  return bytes;
}
