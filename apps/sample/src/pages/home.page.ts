import type { SessionStoreKind } from 'nest-redis-session';
import type { CartView } from '../cart/cart.service.js';
import { formatPrice, type Product } from '../cart/product-catalogue.js';
import { MAX_QUANTITY } from '../cart/cart-item.input.js';
import { THEMES } from '../settings/theme.js';
import type { Theme } from '../shop-session.interface.js';
import type { User } from '../users/user.interface.js';
import { html, type SafeHtml } from './html.js';
import { pageLayout } from './page-layout.js';

/** Everything the home page shows. */
export interface HomePageView {
  /** The signed-in user, or `undefined` for the sign-in form. */
  readonly user: User | undefined;
  readonly theme: Theme;
  readonly cart: CartView;
  readonly products: readonly Product[];
  /** A fixed message chosen by the app (never text from the request). */
  readonly notice: string | undefined;
  /** Demo usernames and passwords, shown on the sign-in form. */
  readonly demoAccounts: ReadonlyArray<{ readonly username: string; readonly password: string }>;
  readonly store: SessionStoreKind;
}

/** The home page: a sign-in form when signed out; greeting, theme, cart and links when signed in. */
export function renderHomePage(view: HomePageView): SafeHtml {
  const body = html`
    <h1>nest-redis-session shop</h1>
    ${view.notice !== undefined && html`<p class="notice" role="status">${view.notice}</p>`}
    ${view.user === undefined ? signInSection(view) : signedInSection(view.user, view)}
    <p class="muted">
      Sessions are kept ${view.store === 'redis' ? 'in Redis' : 'in memory (set REDIS_URL to use Redis)'}.
    </p>
  `;
  return pageLayout('nest-redis-session shop', view.theme, body);
}

function signInSection(view: HomePageView): SafeHtml {
  return html`
    <h2>Sign in</h2>
    <form method="post" action="/signin">
      <label>Username <input name="username" autocomplete="username" required maxlength="64" /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
      <button type="submit">Sign in</button>
    </form>
    <p class="muted">
      Demo users:
      ${view.demoAccounts.map((account, index) => html`${index > 0 && ', '}<code>${account.username}</code> / <code>${account.password}</code>`)}
    </p>
  `;
}

function signedInSection(user: User, view: HomePageView): SafeHtml {
  return html`
    <p>Hello, <strong class="user-name">${user.name}</strong> (<span class="username">${user.username}</span>).</p>
    <form method="post" action="/signout"><button type="submit">Sign out</button></form>
    <p><a href="/devices">Your devices</a>: where you are signed in, and signing them out.</p>
    <h2>Theme</h2>
    <form method="post" action="/theme">
      <select name="theme">
        ${THEMES.map((theme) => html`<option value="${theme}" ${theme === view.theme && 'selected'}>${theme}</option>`)}
      </select>
      <button type="submit">Save</button>
    </form>
    <h2>Cart</h2>
    ${cartTable(view.cart)}
    <form method="post" action="/cart">
      <select name="sku">
        ${view.products.map((product) => html`<option value="${product.sku}">${product.name} (${formatPrice(product.priceCents)})</option>`)}
      </select>
      <input name="quantity" type="number" min="1" max="${MAX_QUANTITY}" value="1" required />
      <button type="submit">Add to cart</button>
    </form>
    <h2>JSON API</h2>
    <ul>
      <li><a href="/api/profile">/api/profile</a> – you and your session</li>
      <li><a href="/api/cart">/api/cart</a></li>
      <li><a href="/api/settings">/api/settings</a></li>
      <li><a href="/api/devices">/api/devices</a> – your sessions on every device</li>
    </ul>
  `;
}

function cartTable(cart: CartView): SafeHtml {
  if (cart.lines.length === 0) return html`<p class="cart-empty">Your cart is empty.</p>`;
  return html`
    <table class="cart">
      <thead>
        <tr>
          <th>Product</th>
          <th>Quantity</th>
          <th>Price</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${cart.lines.map(
          (line) =>
            html`<tr data-sku="${line.sku}">
              <td>${line.name}</td>
              <td>${line.quantity}</td>
              <td>${formatPrice(line.subtotalCents)}</td>
              <td>
                <form class="inline" method="post" action="/cart/remove">
                  <input type="hidden" name="sku" value="${line.sku}" />
                  <button type="submit">Remove</button>
                </form>
              </td>
            </tr>`,
        )}
      </tbody>
      <tfoot>
        <tr>
          <th>Total</th>
          <th>${cart.itemCount}</th>
          <th>${formatPrice(cart.totalCents)}</th>
          <th></th>
        </tr>
      </tfoot>
    </table>
  `;
}
