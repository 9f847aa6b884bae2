/**
 * The site's customization URLs reach the page only when they are absolute http(s) URLs.
 * The portal validates them already; this second check keeps the page safe on its own
 * (a `javascript:` or `data:` URL never becomes a src/href or a CSP source).
 */
export function safeCustomizationUrl(value: string | undefined): URL | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return url;
}

/** The CSP source expression (scheme://host[:port]) of a customization URL, if it is acceptable. */
export function customizationOrigin(value: string | undefined): string | undefined {
  return safeCustomizationUrl(value)?.origin;
}
