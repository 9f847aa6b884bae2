import {
  decodeX402Header,
  MAX_CHALLENGE_CHARS,
  isProtocolError,
  REASONS,
  X402_HEADERS,
  x402PaymentPayloadV1Schema,
  x402PaymentPayloadV2Schema,
  type NetworkRegistry,
  type SettleProof,
} from '@turnpike/protocol';
import type { AuthzReason } from '../reasons.js';

export type ExtractedProof =
  { kind: 'none' } | { kind: 'proof'; proof: SettleProof } | { kind: 'invalid'; reason: AuthzReason };

const NONE: ExtractedProof = { kind: 'none' };
const TX = /^[A-Za-z0-9]{16,128}$/;
/**
 * `paymentDetails.challengeId` as the 402 hands it out: a sealed challenge (`<base64url>.<mac>`)
 * or the id of a recorded one. The portal verifies the seal; this only refuses what cannot be one.
 */
const CHALLENGE = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_CHALLENGE_CHARS - 44}}(\\.[A-Za-z0-9_-]{43})?$`);

/**
 * A payment proof the client sent with its retry: x402 v2 `PAYMENT-SIGNATURE`, x402 v1
 * `X-PAYMENT`, or the transaction-hash pair `x-payment-chain` + `x-payment-tx`. Garbled proofs
 * are refused with their reason (the client gets a fresh 402 saying why).
 */
export function extractProof(
  headers: Record<string, string | undefined>,
  registry: NetworkRegistry,
): ExtractedProof {
  const v2 = headers[X402_HEADERS.paymentSignature];
  const v1 = headers[X402_HEADERS.v1Payment];
  const chain = headers['x-payment-chain'];
  const tx = headers['x-payment-tx'];
  if (v2 === undefined && v1 === undefined && chain === undefined && tx === undefined) return NONE;
  try {
    if (v2 !== undefined)
      return {
        kind: 'proof',
        proof: { type: 'x402', version: 2, payload: decodeX402Header(v2, x402PaymentPayloadV2Schema) },
      };
    if (v1 !== undefined)
      return {
        kind: 'proof',
        proof: { type: 'x402', version: 1, payload: decodeX402Header(v1, x402PaymentPayloadV1Schema) },
      };
  } catch (err) {
    if (isProtocolError(err)) return { kind: 'invalid', reason: err.code };
    throw err;
  }
  const network = chain?.trim().toLowerCase();
  if (network === undefined || network === '' || registry.get(network) === undefined)
    return { kind: 'invalid', reason: REASONS.PAYMENT_CHAIN_UNKNOWN };
  const hash = tx?.trim();
  if (hash === undefined || !TX.test(hash)) return { kind: 'invalid', reason: REASONS.PAYMENT_TX_MALFORMED };
  const challenge = headers['x-payment-challenge']?.trim();
  if (challenge === undefined || challenge === '')
    return { kind: 'proof', proof: { type: 'tx', network, tx: hash } };
  if (!CHALLENGE.test(challenge)) return { kind: 'invalid', reason: REASONS.PAYMENT_CHALLENGE_MALFORMED };
  return { kind: 'proof', proof: { type: 'tx', network, tx: hash, challenge } };
}
