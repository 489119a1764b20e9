import { RecordField, dataKeyOfField } from './record-fields.js';
import type { MetadataLookup, SessionDevice, SessionForward, SessionRecord } from './session-record.js';

/** How far ahead of the store's clock a stored time may be before the record is refused. */
const CLOCK_SKEW = 60_000;

/** A positive safe integer from a stored string, or `undefined`. */
function timeOf(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Turns a stored field list (`name, value, name, value, ...`, HGETALL's reply read in place) into a
 * record, or `undefined` when it is not what the library writes (S25): the library's times must be whole
 * numbers with created <= last seen < deadline, and nothing may lie far in the future of the server's
 * clock (`now`). Data values stay JSON text here; the session decodes them. A rotation tombstone is read
 * by `parseTombstone` instead.
 */
export function parseRecord(flat: readonly unknown[], now: number): SessionRecord | undefined {
  const fields = new Map<string, string>();
  let createdAt: number | undefined;
  let lastSeenAt: number | undefined;
  let deadline: number | undefined;
  let userId: string | undefined;
  let authenticatedAt: number | undefined;
  let authenticatedAtText: string | undefined;
  const device: { userAgent?: string; ip?: string; metadata?: Record<string, string> } = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i] as string;
    const value = flat[i + 1] as string;
    const dataKey = dataKeyOfField(name);
    if (dataKey !== undefined) {
      fields.set(dataKey, value);
      continue;
    }
    switch (name) {
      case RecordField.createdAt:
        createdAt = timeOf(value);
        break;
      case RecordField.lastSeenAt:
        lastSeenAt = timeOf(value);
        break;
      case RecordField.deadline:
        deadline = timeOf(value);
        break;
      case RecordField.userId:
        userId = value;
        break;
      case RecordField.authenticatedAt:
        authenticatedAtText = value;
        authenticatedAt = timeOf(value);
        break;
      case RecordField.userAgent:
        device.userAgent = value;
        break;
      case RecordField.ip:
        device.ip = value;
        break;
      case RecordField.metadata:
        device.metadata = parseMetadata(value);
        break;
      default:
        // A library field this version does not know: written by a newer version or by hand. Ignored.
        break;
    }
  }
  if (createdAt === undefined || lastSeenAt === undefined || deadline === undefined) return undefined;
  if (createdAt > lastSeenAt || lastSeenAt >= deadline || createdAt > now + CLOCK_SKEW) return undefined;
  // The authenticated mark is a user ID with its login time; one without the other is not ours.
  if ((userId === undefined) !== (authenticatedAtText === undefined)) return undefined;
  if (authenticatedAtText !== undefined && authenticatedAt === undefined) return undefined;
  // A login time in the future would satisfy @RecentLogin for ever (S29): not a record we wrote.
  if (authenticatedAt !== undefined && authenticatedAt > now + CLOCK_SKEW) return undefined;
  if (userId === '') return undefined;
  return { createdAt, lastSeenAt, deadline, userId, authenticatedAt, fields, device, now };
}

/**
 * The forward a rotation tombstone holds (retire-session.lua), if the stored fields are one: within its
 * forwarding window (`#g`) by the server's clock `now`, or past it.
 */
export function parseTombstone(flat: readonly unknown[], now: number): SessionForward | undefined {
  let to: string | undefined;
  let former = '';
  let next = '';
  let forwardUntil: number | undefined;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const value = flat[i + 1] as string;
    switch (flat[i]) {
      case RecordField.forward:
        to = value;
        break;
      case RecordField.formerOwner:
        former = value;
        break;
      case RecordField.successorOwner:
        next = value;
        break;
      case RecordField.forwardUntil:
        forwardUntil = timeOf(value);
        break;
    }
  }
  if (to === undefined) return undefined;
  return {
    to,
    formerUserId: former === '' ? undefined : former,
    userId: next === '' ? undefined : next,
    forwarding: forwardUntil !== undefined && now < forwardUntil,
  };
}

/** App-chosen device metadata: a flat object of strings, or nothing when it is anything else. */
function parseMetadata(json: string): Record<string, string> | undefined {
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const metadata: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === 'string' && key !== '__proto__') metadata[key] = item;
    }
    return metadata;
  } catch {
    return undefined;
  }
}

/** The fields `readMetadata` asks for, in this order. */
export const METADATA_FIELDS = [
  RecordField.createdAt,
  RecordField.lastSeenAt,
  RecordField.deadline,
  RecordField.userId,
  RecordField.userAgent,
  RecordField.ip,
  RecordField.metadata,
  RecordField.forward,
] as const;

/**
 * Parses the values of `METADATA_FIELDS`: the metadata, `'moving'` for a rotation tombstone, or
 * `undefined` when the record is gone or not ours.
 */
export function parseMetadataFields(values: readonly (string | null)[]): MetadataLookup {
  const [created, seen, deadline, userId, userAgent, ip, metadata, forward] = values;
  if (forward) return 'moving';
  const createdAt = timeOf(created ?? undefined);
  const lastSeenAt = timeOf(seen ?? undefined);
  const end = timeOf(deadline ?? undefined);
  if (createdAt === undefined || lastSeenAt === undefined || end === undefined) return undefined;
  const device: SessionDevice = {
    ...(userAgent ? { userAgent } : {}),
    ...(ip ? { ip } : {}),
    ...(metadata ? { metadata: parseMetadata(metadata) } : {}),
  };
  return { createdAt, lastSeenAt, deadline: end, userId: userId ?? undefined, device };
}
