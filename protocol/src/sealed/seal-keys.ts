import { hkdfSync } from 'node:crypto';

/** Shortest internal API secret accepted: it also keys the sealed challenges and pay links. */
export const MIN_INTERNAL_SECRET_CHARS = 16;

/** The MAC keys of the sealed values the two services exchange through clients. */
export interface SealKeys {
  /** Seals API challenges (the 402's `challengeId`, echoed back in `x-payment-challenge`). */
  readonly challenge: Buffer;
  /** Seals pay links (`/_402/pay?ref=…`, what a browser 402 sends the person to). */
  readonly payLink: Buffer;
  /** Binds MPP challenge ids to their parameters (`WWW-Authenticate: Payment id=…`, HMAC-SHA256). */
  readonly mpp: Buffer;
}

/**
 * Derives the sealing keys from the internal API secret both services already hold
 * (authz-service `portal.token`, payment-portal `listeners.internalToken`), so no second secret
 * has to be configured. That secret is already full trust (whoever holds it can call the settle
 * API with any price), so deriving these keys from it adds no exposure; rotating it invalidates
 * the 402s handed out before. Each use gets its own key (HKDF info), so a value sealed for one
 * use never opens as the other.
 */
export function deriveSealKeys(secret: string): SealKeys {
  if (secret.length < MIN_INTERNAL_SECRET_CHARS)
    throw new TypeError(`the internal API secret must be at least ${MIN_INTERNAL_SECRET_CHARS} characters`);
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'turnpike', info, 32));
  return {
    challenge: derive('turnpike challenge v1'),
    payLink: derive('turnpike pay-link v1'),
    mpp: derive('turnpike mpp challenge v1'),
  };
}
