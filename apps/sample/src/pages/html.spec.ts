import { escapeHtml, html, SafeHtml } from './html.js';

describe('html templates', () => {
  it('escapes the five characters that can start or end markup', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('escapes every interpolated string, in text and in attributes', () => {
    const name = '"><script>alert(1)</script>';
    const markup = html`<p title="${name}">${name}</p>`.toString();
    expect(markup).not.toContain('<script>');
    expect(markup).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>',
    );
  });

  it('inserts nested templates as markup, without escaping them twice', () => {
    const inner = html`<b>${'a & b'}</b>`;
    expect(html`<p>${inner}</p>`.toString()).toBe('<p><b>a &amp; b</b></p>');
  });

  it('joins lists and renders nothing for null, undefined and false', () => {
    const items = ['<x>', html`<br />`, 3];
    expect(html`${items}|${null}|${undefined}|${false}`.toString()).toBe('&lt;x&gt;<br />3|||');
  });

  it('treats only SafeHtml as markup: an object that merely looks like it is escaped', () => {
    const lookalike = { toString: () => '<i>' } as unknown as string;
    expect(html`${lookalike}`.toString()).toBe('&lt;i&gt;');
    expect(html`${new SafeHtml('<i>')}`.toString()).toBe('<i>');
  });
});
