import { canonicalJson } from '../internal/canonical-json.js';

/** base64url (no padding) of the canonical JSON of `value`: an MPP `request` or `opaque` parameter. */
export function canonicalBase64url(value: unknown): string {
  return Buffer.from(canonicalJson(value), 'utf8').toString('base64url');
}
