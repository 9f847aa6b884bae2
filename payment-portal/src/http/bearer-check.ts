import { createHash, timingSafeEqual } from 'node:crypto';
import { REASONS } from '@turnpike/protocol';
import type { RequestHandler } from 'express';
import { PortalError } from '../errors.js';

/** Whether `header` is `Bearer <secret>`, compared in constant time whatever was sent. */
export function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const value = header ?? '';
  const given = createHash('sha256')
    .update(value.startsWith('Bearer ') ? value.slice(7) : '\u0000')
    .digest();
  // Hashing first gives equal lengths, so timingSafeEqual never throws and never leaks a length.
  return timingSafeEqual(given, expected) && value.startsWith('Bearer ');
}

/** SHA-256 of a secret, the form {@link bearerMatches} compares against. */
export function secretDigest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Refuses (401 `unauthorized`) every request without `Authorization: Bearer <secret>`. */
export function bearerCheck(secret: string): RequestHandler {
  const expected = secretDigest(secret);
  return (req, _res, next) => {
    if (!bearerMatches(req.get('authorization'), expected)) {
      next(new PortalError(REASONS.UNAUTHORIZED, 401, 'missing or wrong bearer token'));
      return;
    }
    next();
  };
}
