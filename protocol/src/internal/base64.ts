const BASE64 = /^[A-Za-z0-9+/_-]+$/;

/**
 * Decodes standard or url-safe base64, padding optional. Returns null for anything else
 * (whitespace, bad padding, a length no encoder produces) — Buffer.from alone would skip junk.
 */
export function decodeBase64Loose(value: string): Buffer | null {
  const unpadded = value.replace(/={1,2}$/, '');
  if (unpadded.length === 0 || !BASE64.test(unpadded)) return null;
  if (unpadded.length % 4 === 1) return null;
  if (unpadded.length !== value.length && value.length % 4 !== 0) return null;
  return Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** base64url without padding. */
export function encodeBase64Url(value: string | Uint8Array): string {
  return Buffer.from(value).toString('base64url');
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decoding; null on invalid sequences. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}
