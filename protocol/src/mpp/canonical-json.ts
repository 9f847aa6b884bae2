/**
 * JSON in the JSON Canonicalization Scheme (RFC 8785) for the values MPP requests and opaque data
 * hold: objects with sorted keys, arrays, strings, safe integers, booleans and null. The draft asks
 * for JCS so that the base64url `request` (part of the challenge id's HMAC input) is the same
 * however it was built. Non-integer and unsafe numbers are refused (amounts travel as strings).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError('canonical JSON holds safe integers only');
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      // RFC 8785 sorts by UTF-16 code units: JavaScript's default string order.
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

/** base64url (no padding) of the canonical JSON of `value`: an MPP `request` or `opaque` parameter. */
export function canonicalBase64url(value: unknown): string {
  return Buffer.from(canonicalJson(value), 'utf8').toString('base64url');
}
