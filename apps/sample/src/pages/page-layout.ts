import type { Theme } from '../shop-session.interface.js';
import { html, SafeHtml } from './html.js';

/**
 * A trusted constant, marked safe so it goes in unescaped (entities mean nothing inside `<style>`). Inline on
 * purpose: the sample serves no static files, and the default Content-Security-Policy of
 * `useSecurityHeaders()` allows inline styles (not scripts; the pages need none).
 */
const STYLE = new SafeHtml(`
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; padding: 2rem; }
  main { max-width: 44rem; margin: 0 auto; }
  body.theme-light { background: #fafafa; color: #1b1b1b; }
  body.theme-dark { background: #16181d; color: #e8e8e8; }
  body.theme-dark a { color: #8ab4f8; }
  form.inline { display: inline; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #8884; }
  tr.current td { background: #4a90e222; }
  .notice { padding: .5rem 1rem; border-left: 4px solid #e0a000; background: #e0a00022; }
  .muted { opacity: .7; font-size: .9rem; }
  label { display: block; margin: .5rem 0; }
  select, input { max-width: 100%; }
  /* A device's name is the client's own text when the library does not recognise it: it may be one long word. */
  .device-name { overflow-wrap: anywhere; }
  /* On a phone (390 px and the like) the devices table becomes one card per device: every column and the
     Sign out button stay on screen, with no sideways scrolling. */
  @media (max-width: 40rem) {
    body { padding: 1rem; }
    table.devices, table.devices tbody, table.devices tr, table.devices td { display: block; }
    table.devices thead { display: none; }
    table.devices tr { border: 1px solid #8884; border-radius: .5rem; margin-bottom: .75rem; padding: .5rem .75rem; }
    table.devices td { border: 0; padding: .15rem 0; }
    table.devices td[data-label]::before { content: attr(data-label) ': '; font-weight: 600; }
  }
`);

/** The page skeleton every page shares. */
export function pageLayout(title: string, theme: Theme, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <style>
          ${STYLE}
        </style>
      </head>
      <body class="theme-${theme}">
        <main>${body}</main>
      </body>
    </html>`;
}
