/**
 * JSON with object keys sorted at every level (UTF-16 code-unit order) and no whitespace, so
 * equal values always give equal text: the JSON Canonicalization Scheme (RFC 8785) for what it
 * holds — ECMAScript number serialisation is JCS's — plus bigint, written as a decimal string.
 * Used for digests and for MPP's `request`/`opaque` parameters (part of a challenge id's HMAC).
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new TypeError('canonical JSON cannot hold NaN or Infinity');
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot serialise ${typeof value}`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
