import { createHmac, timingSafeEqual } from 'node:crypto';

/** base64url characters of an HMAC-SHA256 tag (32 bytes). */
const TAG_CHARS = 43;
const SEALED = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

function tag(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(body).digest();
}

/**
 * Seals a JSON value: `base64url(JSON).base64url(HMAC-SHA256(key, first part))`. Not encrypted:
 * what is sealed is readable by whoever holds it (it carries nothing secret), but any change
 * breaks the MAC.
 */
export function seal(key: Buffer, payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${tag(key, body).toString('base64url')}`;
}

/**
 * The JSON value inside a sealed string, or null when it is malformed, longer than `maxChars`, or
 * its MAC does not verify (compared in constant time). Callers validate the value's shape.
 */
export function unseal(key: Buffer, sealed: string, maxChars: number): unknown {
  if (sealed.length > maxChars || !SEALED.test(sealed)) return null;
  const dot = sealed.length - TAG_CHARS - 1;
  const body = sealed.slice(0, dot);
  const given = Buffer.from(sealed.slice(dot + 1), 'base64url');
  if (!timingSafeEqual(given, tag(key, body))) return null;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
  } catch {
    return null;
  }
}
