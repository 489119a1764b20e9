/** The page colours a user can pick. */
export type Theme = 'light' | 'dark';

/** One line of the cart: a product and how many of it. */
export interface CartLine {
  sku: string;
  quantity: number;
}

/**
 * What the sample keeps in `session.data`. Handlers take `@Session() session: Session<ShopSession>`.
 *
 * An app would usually describe this by merging into the library's `SessionData` (`declare module
 * 'nest-redis-session' { interface SessionData { ... } }`). The sample passes the type explicitly instead
 * because it shares one TypeScript program with the library's own tests, which a global merge would
 * change.
 */
export interface ShopSession {
  /** The chosen colours; light when unset. */
  theme?: Theme;
  /** The cart, one line per product. */
  cart?: CartLine[];
}
