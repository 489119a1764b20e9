/**
 * A tiny, safe-by-default HTML builder: every value interpolated into an `html` template is escaped
 * unless it is itself the output of `html`. Pages are built only from these templates, so user-visible
 * text (a product name, a message that quotes input) can never become markup.
 */

/** Markup that is safe to insert as is: produced by `html`, with every interpolated value escaped. */
export class SafeHtml {
  constructor(private readonly markup: string) {}

  /** The markup, ready to send. */
  toString(): string {
    return this.markup;
  }
}

/** What an `html` template accepts: text (escaped), numbers, nothing (`null`, `undefined`, `false`), lists, or markup. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML element body or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character] ?? character);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  // `false` renders nothing, so `${cond && html`...`}` reads naturally; `true` would be a bug, but is harmless.
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * Builds markup from a template, escaping every interpolated value that is not already `SafeHtml`.
 *
 * @example
 * html`<li>${product.name}</li>` // "Jam & cream" → "<li>Jam &amp; cream</li>"
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? '';
  values.forEach((value, index) => {
    markup += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(markup);
}
