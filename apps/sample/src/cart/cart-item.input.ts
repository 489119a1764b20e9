import { BadRequestException } from '@nestjs/common';
import { bodyFields, quoted, requireInteger, requireString } from '../common/request-input.js';
import type { CartLine } from '../shop-session.interface.js';
import { findProduct } from './product-catalogue.js';

/** Most of one product a cart may hold (per add, and in total). */
export const MAX_QUANTITY = 99;

/** Reads `{ sku, quantity }` from a request body, or throws a 400 for a bad value or an unknown product. */
export function parseCartItem(body: unknown): CartLine {
  const fields = bodyFields(body);
  const sku = requireString(fields, 'sku', 64);
  if (findProduct(sku) === undefined) throw new BadRequestException(`Unknown product ${quoted(sku)}`);
  return { sku, quantity: requireInteger(fields, 'quantity', 1, MAX_QUANTITY) };
}

/** Reads `{ sku }` from a request body (the HTML form that removes a line), or throws a 400. */
export function parseSku(body: unknown): string {
  return requireString(bodyFields(body), 'sku', 64);
}
