import { timingSafeEqual } from 'node:crypto';
import {
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
 * issued, unchanged), for this host (`realm`) and this resource (`opaque.r`). Refuses
 * `mpp_challenge_invalid` / `payment_challenge_mismatch` otherwise. Expiry is each credential
 * type's to judge.
 */
export function openCredential(
  key: Buffer,
  request: SettleRequest,
  credential: MppCredential,
): OpenedCredential {
  const c = credential.challenge;
  const invalid = (why: string) => new ProofRefusal(REASONS.MPP_CHALLENGE_INVALID, why);
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
  if (c.opaque === undefined || c.expires === undefined) throw invalid('the challenge lacks its opaque data');
  const opaque = decodeJson(c.opaque, mppOpaqueSchema);
  const expiresMs = Date.parse(c.expires);
  if (opaque === undefined || !Number.isFinite(expiresMs))
    throw invalid('the challenge lacks its opaque data');
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

/** A base64url JCS value (`request`, `opaque`) parsed with `schema`, or undefined. */
export function decodeJson<T extends z.ZodType>(value: string, schema: T): z.output<T> | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
