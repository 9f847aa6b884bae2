import { MAX_CHALLENGE_CHARS, REASONS } from '@turnpike/protocol';
import type { ExtractedProof, PaymentDialect } from '../dialect.js';

const NONE: ExtractedProof = { kind: 'none' };
const TX = /^[A-Za-z0-9]{16,128}$/;
/**
 * `paymentDetails.challengeId` as the 402 hands it out: a sealed challenge (`<base64url>.<mac>`)
 * or the id of a recorded one. The portal verifies the seal; this only refuses what cannot be one.
 */
const CHALLENGE = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_CHALLENGE_CHARS - 44}}(\\.[A-Za-z0-9_-]{43})?$`);

/**
 * The transaction-hash dialect (ZelfProof-style clients and the pay page's programs): the pair
 * `x-payment-chain` + `x-payment-tx`, bound to its requester by `x-payment-challenge`.
 */
export const txDialect: PaymentDialect = {
  proofType: 'tx',
  extract(headers, registry) {
    const chain = headers['x-payment-chain'];
    const tx = headers['x-payment-tx'];
    if (chain === undefined && tx === undefined) return NONE;
    const network = chain?.trim().toLowerCase();
    if (network === undefined || network === '' || registry.get(network) === undefined)
      return { kind: 'invalid', reason: REASONS.PAYMENT_CHAIN_UNKNOWN };
    const hash = tx?.trim();
    if (hash === undefined || !TX.test(hash))
      return { kind: 'invalid', reason: REASONS.PAYMENT_TX_MALFORMED };
    const challenge = headers['x-payment-challenge']?.trim();
    if (challenge === undefined || challenge === '')
      return { kind: 'proof', proof: { type: 'tx', network, tx: hash } };
    if (!CHALLENGE.test(challenge)) return { kind: 'invalid', reason: REASONS.PAYMENT_CHALLENGE_MALFORMED };
    return { kind: 'proof', proof: { type: 'tx', network, tx: hash, challenge } };
  },
};
