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
  /* On a phone the devices table is wider than the screen: let it scroll rather than push buttons off. */
  .table-scroll { overflow-x: auto; }
  th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #8884; }
  tr.current td { background: #4a90e222; }
  .notice { padding: .5rem 1rem; border-left: 4px solid #e0a000; background: #e0a00022; }
  .muted { opacity: .7; font-size: .9rem; }
  label { display: block; margin: .5rem 0; }
`);

/** The page skeleton every page shares. */
export function pageLayout(title: string, theme: Theme, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body class="theme-${theme}">
        <main>${body}</main>
      </body>
    </html>`;
}
