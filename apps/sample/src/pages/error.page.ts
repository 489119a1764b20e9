import type { Theme } from '../shop-session.interface.js';
import { html, type SafeHtml } from './html.js';
import { pageLayout } from './page-layout.js';

/** What an error page shows. */
export interface ErrorPageView {
  readonly status: number;
  /** What went wrong, for the reader: escaped, since it may quote the request. */
  readonly message: string;
  readonly theme: Theme;
}

/** Headings a person understands, by status; others get "Something went wrong". */
const HEADINGS = new Map<number, string>([
  [400, 'That did not work'],
  [403, 'Request refused'],
  [404, 'Page not found'],
  [405, 'Not allowed here'],
  [413, 'Too much data'],
  [415, 'Unexpected kind of data'],
  [429, 'Too many attempts'],
  [503, 'Try again in a moment'],
]);

/** An error as a page of the shop: its theme, the status, the reason and a way back. */
export function renderErrorPage(view: ErrorPageView): SafeHtml {
  const heading = HEADINGS.get(view.status) ?? 'Something went wrong';
  return pageLayout(
    `${heading} (${view.status})`,
    view.theme,
    html`
      <h1>${heading}</h1>
      <p class="error-message">${view.message}</p>
      <p class="muted">Error ${view.status}.</p>
      <p><a href="/">Back to the shop</a></p>
    `,
  );
}
