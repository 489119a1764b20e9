import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { quoted } from '../common/request-input.js';
import type { CartLine, ShopSession } from '../shop-session.interface.js';
import { MAX_QUANTITY } from './cart-item.input.js';
import { CURRENCY, findProduct, type Product } from './product-catalogue.js';

/** One line of the cart as shown to the user. */
export interface CartViewLine {
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
  readonly subtotalCents: number;
}

/** The cart as the API returns it and the page shows it. */
export interface CartView {
  readonly lines: CartViewLine[];
  readonly itemCount: number;
  readonly totalCents: number;
  /** ISO 4217 code of every amount in cents. */
  readonly currency: typeof CURRENCY;
}

/**
 * The cart kept in the session. It works on `session.data` and replaces `data.cart` with a new array on
 * every change; the library saves that key after the handler, and only that key.
 */
@Injectable()
export class CartService {
  /** The cart with names and prices. */
  view(data: ShopSession): CartView {
    const lines = this.linesOf(data).map(({ sku, quantity }) => {
      const product = findProduct(sku) as Product;
      return {
        sku,
        name: product.name,
        quantity,
        unitPriceCents: product.priceCents,
        subtotalCents: product.priceCents * quantity,
      };
    });
    return {
      lines,
      itemCount: lines.reduce((sum, line) => sum + line.quantity, 0),
      totalCents: lines.reduce((sum, line) => sum + line.subtotalCents, 0),
      currency: CURRENCY,
    };
  }

  /** Adds `quantity` of a product; 400 when the line would exceed `MAX_QUANTITY`. */
  add(data: ShopSession, item: CartLine): void {
    const lines = this.linesOf(data);
    const existing = lines.find((line) => line.sku === item.sku);
    const quantity = (existing?.quantity ?? 0) + item.quantity;
    if (quantity > MAX_QUANTITY) {
      throw new BadRequestException(`A cart holds at most ${MAX_QUANTITY} of one product`);
    }
    data.cart = existing
      ? lines.map((line) => (line === existing ? { sku: line.sku, quantity } : line))
      : [...lines, { sku: item.sku, quantity }];
  }

  /** Removes a product's line; 404 for a SKU the shop does not sell. Removing an absent line is a no-op. */
  remove(data: ShopSession, sku: string): void {
    if (findProduct(sku) === undefined) throw new NotFoundException(`Unknown product ${quoted(sku)}`);
    const lines = this.linesOf(data);
    const kept = lines.filter((line) => line.sku !== sku);
    if (kept.length !== lines.length) data.cart = kept;
  }

  /**
   * The stored lines that still make sense. Session data outlives deployments: a product may have left the
   * catalogue since it was added, so such lines are dropped rather than trusted.
   */
  private linesOf(data: ShopSession): CartLine[] {
    if (!Array.isArray(data.cart)) return [];
    return data.cart.filter(
      (line): line is CartLine =>
        typeof line === 'object' &&
        line !== null &&
        typeof line.sku === 'string' &&
        findProduct(line.sku) !== undefined &&
        Number.isInteger(line.quantity) &&
        line.quantity >= 1 &&
        line.quantity <= MAX_QUANTITY,
    );
  }
}
