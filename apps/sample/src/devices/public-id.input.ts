import { BadRequestException } from '@nestjs/common';
import { bodyFields } from '../common/request-input.js';

/** A session's public ID: 128 bits of a SHA-256 in base64url, 22 characters (`session.publicId`). */
const PUBLIC_ID = /^[A-Za-z0-9_-]{22}$/;

/** A device's public ID from a URL or a form, or a 400 for anything that cannot be one. */
export function parsePublicId(value: unknown): string {
  if (typeof value !== 'string' || !PUBLIC_ID.test(value)) {
    throw new BadRequestException('"publicId" must be a device ID from the device list');
  }
  return value;
}

/** Reads `{ publicId }` from a request body (the Devices page's "Sign out" form), or throws a 400. */
export function parsePublicIdField(body: unknown): string {
  return parsePublicId(bodyFields(body).publicId);
}
