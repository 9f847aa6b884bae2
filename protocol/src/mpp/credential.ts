import { z } from 'zod';
import { ProtocolError } from '../errors.js';
import { REASONS } from '../reasons.js';

/** Most characters of an `Authorization: Payment` credential Turnpike reads (the draft: at least 4 KB). */
export const MAX_MPP_CREDENTIAL_CHARS = 16_384;

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'base64url without padding');

/** The challenge a credential echoes: the parameters of the `WWW-Authenticate: Payment` it answers. */
export const mppEchoedChallengeSchema = z.object({
  id: z.string().min(1).max(256),
  realm: z.string().min(1).max(261),
  method: z.string().regex(/^[a-z][a-z0-9:_-]{0,31}$/, 'lower-case payment method'),
  intent: z.string().regex(/^[A-Za-z0-9-]{1,32}$/, 'payment intent'),
  request: base64url.max(8192),
  description: z.string().max(1024).optional(),
  opaque: base64url.max(8192).optional(),
  digest: z.string().max(256).optional(),
  expires: z.string().max(64).optional(),
});

/**
 * An MPP credential (draft-httpauth-payment §5.2): the echoed challenge, the method's payload and
 * an optional payer DID. Unknown members are dropped (the draft: ignore what is not understood).
 */
export const mppCredentialSchema = z.object({
  challenge: mppEchoedChallengeSchema,
  source: z.string().max(256).optional(),
  payload: z.record(z.string(), z.unknown()),
});

export type MppEchoedChallenge = z.output<typeof mppEchoedChallengeSchema>;
export type MppCredential = z.output<typeof mppCredentialSchema>;

const CREDENTIALS = /^Payment[ ]+([A-Za-z0-9_-]+)[ ]*$/i;

/** True when an `Authorization` value uses the Payment scheme (and so is no bearer token). */
export function isPaymentAuthorization(value: string): boolean {
  return value.length > 8 && value.slice(0, 8).toLowerCase() === 'payment ';
}

/**
 * The credential in an `Authorization: Payment <base64url JSON>` value. Throws ProtocolError
 * `mpp_credential_malformed` for anything else: not base64url, not JSON, not the draft's shape,
 * longer than MAX_MPP_CREDENTIAL_CHARS.
 */
export function parseMppCredential(value: string): MppCredential {
  const fail = (detail: string) => new ProtocolError(REASONS.MPP_CREDENTIAL_MALFORMED, detail);
  if (value.length > MAX_MPP_CREDENTIAL_CHARS) throw fail('the credential is too long');
  const m = CREDENTIALS.exec(value.trim());
  if (m === null) throw fail('the credential is not `Payment <base64url>`');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(m[1] as string, 'base64url').toString('utf8'));
  } catch {
    throw fail('the credential is not base64url JSON');
  }
  const parsed = mppCredentialSchema.safeParse(json);
  if (!parsed.success) throw fail('the credential lacks the challenge it answers or its payload');
  return parsed.data;
}
