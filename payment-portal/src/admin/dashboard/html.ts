import { escapeHtml } from '../../pay-page/escape.js';

/** Text for HTML: escaped, so no value from the database can inject markup. */
export type Html = { readonly html: string };

/** Marks already-safe markup. */
export const raw = (html: string): Html => ({ html });

/** A template whose interpolations are escaped unless they are {@link Html} (or arrays of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return { html: out };
}

function render(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (typeof v === 'object' && 'html' in v) return (v as Html).html;
  return escapeHtml(String(v));
}
