import { html, type SafeHtml } from './html.js';
import { pageLayout } from './page-layout.js';

/** A page for a failed form post: the status, the reason (escaped: it may quote the input), a way back. */
export function renderErrorPage(status: number, message: string): SafeHtml {
  return pageLayout(
    `Error ${status}`,
    'light',
    html`
      <h1>Something went wrong (${status})</h1>
      <p class="error-message">${message}</p>
      <p><a href="/">Back to the shop</a></p>
    `,
  );
}
