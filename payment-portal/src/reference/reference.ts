import { createHash, hkdfSync } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { REASONS } from '@turnpike/protocol';
import { z } from 'zod';
import { PortalError } from '../errors.js';
import type { SigningKeySet } from '../tokens/signing-keys.js';

/** What a pay-page reference carries: everything the invoice will be bound to. */
export interface ReferencePayload {
  host: string;
  scheme: 'http' | 'https';
  resource: string;
  originalUri: string;
  /** PaymentRequestWire, re-validated with fromWire when the reference is redeemed. */
  request: unknown;
}

const payloadSchema = z.object({
  h: z.string(),
  s: z.enum(['http', 'https']),
  r: z.string(),
  u: z.string(),
  q: z.unknown(),
});

const REFERENCE_AUDIENCE = 'turnpike:pay-reference';

export interface ReferenceSigner {
  sign(payload: ReferencePayload, expiresAt: Date): Promise<string>;
  /** Throws PortalError reference_invalid when the reference is altered, foreign or expired. */
  verify(reference: string): Promise<ReferencePayload>;
}

/**
 * References are HS256 JWTs under a key derived (HKDF) from each token signing key, so the portal
 * needs no extra secret, rotation follows the token keys, and the authorizer (which has only
 * public keys) cannot mint them. Stateless: a browser's 402 writes nothing; any edit to the
 * host, URI, price or address breaks the MAC.
 */
export function createReferenceSigner(keys: SigningKeySet): ReferenceSigner {
  const macKeys = new Map(
    keys.all.map((k) => {
      const ikm = createHash('sha256')
        .update(k.privateKey.export({ format: 'der', type: 'pkcs8' }))
        .digest();
      return [k.kid, new Uint8Array(hkdfSync('sha256', ikm, 'turnpike', 'pay-reference v1', 32))];
    }),
  );
  const currentKid = keys.current.kid;
  return {
    async sign(payload, expiresAt) {
      return new SignJWT({
        h: payload.host,
        s: payload.scheme,
        r: payload.resource,
        u: payload.originalUri,
        q: payload.request,
      })
        .setProtectedHeader({ alg: 'HS256', kid: currentKid })
        .setAudience(REFERENCE_AUDIENCE)
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(macKeys.get(currentKid) as Uint8Array);
    },
    async verify(reference) {
      try {
        const { payload } = await jwtVerify(
          reference,
          async (header) => {
            const key = header.kid === undefined ? undefined : macKeys.get(header.kid);
            if (!key) throw new Error('unknown kid');
            return key;
          },
          { algorithms: ['HS256'], audience: REFERENCE_AUDIENCE },
        );
        const p = payloadSchema.parse(payload);
        return { host: p.h, scheme: p.s, resource: p.r, originalUri: p.u, request: p.q };
      } catch (err) {
        throw new PortalError(REASONS.REFERENCE_INVALID, 400, 'the payment link is invalid or has expired', {
          cause: err,
        });
      }
    },
  };
}
