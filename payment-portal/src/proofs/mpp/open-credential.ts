import { timingSafeEqual } from 'node:crypto';
import {
  isMppPushChallengeId,
  mppChallengeId,
  mppOpaqueSchema,
  normalizePath,
  REASONS,
  type MppCredential,
  type MppOpaque,
  type SettleRequest,
} from '@turnpike/protocol';
import type { z } from 'zod';
import { ProofRefusal } from '../context.js';

/** An MPP credential whose challenge this installation issued, for this host and resource. */
export interface OpenedCredential {
  credential: MppCredential;
  opaque: MppOpaque;
  /** The challenge's `expires`, in ms since the epoch. */
  expiresMs: number;
}

/**
 * Checks the echoed challenge of an MPP credential: its id is the HMAC of its parameters under the
 * MPP key (so every parameter, the request and the opaque data included, is one this installation
 * issued, unchanged) — or, for a pushed transfer (`hash`, `signature`) carrying a sealed challenge,
 * that seal's tag and an index (mppPushChallengeId: the seal, opened later with its own MAC, is
 * what such a credential is verified against; its echoed request is only compared with it) — for
 * this host (`realm`) and this resource (`opaque.r`). Refuses `mpp_challenge_invalid` /
 * `payment_challenge_mismatch` otherwise. Expiry is each credential type's to judge (a push
 * credential's is the seal's).
 */
export function openCredential(
  key: Buffer,
  request: SettleRequest,
  credential: MppCredential,
): OpenedCredential {
  const c = credential.challenge;
  const invalid = (why: string) => new ProofRefusal(REASONS.MPP_CHALLENGE_INVALID, why);
  const opaque = c.opaque === undefined ? undefined : decodeJson(c.opaque, mppOpaqueSchema);
  if (!(opaque?.c !== undefined && isPushCredential(credential) && isMppPushChallengeId(c.id, opaque.c))) {
    let expected: string;
    try {
      expected = mppChallengeId(key, c);
    } catch {
      throw invalid('the challenge is not one this service issued');
    }
    const given = Buffer.from(c.id, 'utf8');
    const want = Buffer.from(expected, 'utf8');
    if (given.length !== want.length || !timingSafeEqual(given, want))
      throw invalid('the challenge is not one this service issued, or was altered');
  }
  if (opaque === undefined || c.expires === undefined) throw invalid('the challenge lacks its opaque data');
  const expiresMs = Date.parse(c.expires);
  if (!Number.isFinite(expiresMs)) throw invalid('the challenge lacks its opaque data');
  let resource: string;
  try {
    resource = normalizePath(request.resource).path;
  } catch {
    throw new ProofRefusal(REASONS.PAYMENT_CHALLENGE_MISMATCH, 'the resource is not a path');
  }
  if (c.realm.toLowerCase() !== request.host.toLowerCase() || opaque.r !== resource)
    throw new ProofRefusal(
      REASONS.PAYMENT_CHALLENGE_MISMATCH,
      'the challenge was issued for another host or resource',
    );
  return { credential, opaque, expiresMs };
}

/**
 * A pushed transfer's credential (evm `hash`, solana `signature`): verified only against the sealed
 * challenge its `opaque.c` carries (credit-pushed.ts), so its id may be the seal's own tag.
 */
function isPushCredential(credential: MppCredential): boolean {
  const { method } = credential.challenge;
  const type = credential.payload.type;
  return (method === 'evm' && type === 'hash') || (method === 'solana' && type === 'signature');
}

/** A base64url JCS value (`request`, `opaque`) parsed with `schema`, or undefined. */
export function decodeJson<T extends z.ZodType>(value: string, schema: T): z.output<T> | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
