/** A product the sample shop sells. */
export interface Product {
  readonly sku: string;
  readonly name: string;
  /** Price in cents: whole numbers, so totals never suffer floating-point rounding. */
  readonly priceCents: number;
}

/**
 * The fixed catalogue. One name holds `&` and quotes on purpose: the HTML page must escape it, and the
 * tests check that it does.
 */
export const PRODUCTS: readonly Product[] = [
  { sku: 'tea', name: 'Earl Grey tea', priceCents: 450 },
  { sku: 'scones', name: 'Scones (pack of 4)', priceCents: 600 },
  { sku: 'jam', name: 'Jam & clotted cream "deluxe"', priceCents: 350 },
  { sku: 'mug', name: 'Nest mug', priceCents: 1200 },
];

const bySku = new Map(PRODUCTS.map((product) => [product.sku, product]));

/** The product with this SKU, or `undefined`. A `Map`, so a SKU like `__proto__` finds nothing. */
export function findProduct(sku: string): Product | undefined {
  return bySku.get(sku);
}

/** The currency of every price: the shop sells tea and scones, in pounds sterling. */
export const CURRENCY = 'GBP';

const PRICE_FORMAT = new Intl.NumberFormat('en-GB', { style: 'currency', currency: CURRENCY });

/** `1234` → `"£12.34"`. */
export function formatPrice(cents: number): string {
  return PRICE_FORMAT.format(cents / 100);
}
