import { REASONS, type SettleResponse } from '@turnpike/protocol';
import type { PaymentDialect } from '../events/event-names.js';
import { tokenForGrant, type Grant } from '../ledger/index.js';
import { ProofRefusal, type ProofContext } from './context.js';

/** What signing a grant's token needs of the proof context. */
export type GrantSigner = Pick<ProofContext, 'keys' | 'issuer' | 'onTokenIssued' | 'events' | 'now'>;

/** The settle answer carrying a grant's token (and the x402 receipt, when there is one). */
export async function grantResponse(
  pctx: GrantSigner,
  grant: Grant,
  receipt?: Record<string, unknown>,
  /** How the token was obtained, for the event line; default `x402` with a receipt, else `tx`. */
  dialect?: PaymentDialect,
): Promise<Extract<SettleResponse, { ok: true }>> {
  const { token, claims } = await tokenForGrant({ keys: pctx.keys, issuer: pctx.issuer }, grant);
  pctx.onTokenIssued?.();
  // Only an x402 settlement answers with a receipt: every other proof is a transaction hash.
  pctx.events?.tokenIssued({
    claims,
    kid: pctx.keys.current.kid,
    dialect: dialect ?? (receipt === undefined ? 'tx' : 'x402'),
  });
  return {
    ok: true,
    token,
    claims: claims as Record<string, unknown>,
    ...(receipt === undefined ? {} : { receipt }),
  };
}

/**
 * A proof whose binding was credited before: the same payment gets the same grant back (any
 * replica, any time before it expires); another payment under the same binding, or a grant that
 * ran out, gets nothing more.
 */
export function grantAgain(
  pctx: GrantSigner,
  known: Grant,
  /** The transaction the proof names (x402 names none: its binding is the authorization itself). */
  presented: { network: string; tx: string } | undefined,
  receipt?: Record<string, unknown>,
): Promise<Extract<SettleResponse, { ok: true }>> {
  if (
    presented !== undefined &&
    (known.payment.network !== presented.network || known.payment.tx !== presented.tx)
  )
    throw new ProofRefusal(
      REASONS.PAYMENT_ALREADY_REDEEMED,
      'this challenge was already paid by another transaction',
    );
  if (known.expiresAt.getTime() <= (pctx.now ?? Date.now)())
    throw new ProofRefusal(REASONS.PAYMENT_ALREADY_REDEEMED, 'the access this payment bought has ended');
  return grantResponse(pctx, known, receipt);
}
