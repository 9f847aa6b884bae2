import { REASONS, type SettleRequest, type SettleResponse } from '@turnpike/protocol';
import { grantOpens, type Grant } from '../../ledger/index.js';
import { ProofRefusal, type ProofContext } from '../context.js';
import { grantAgain } from '../grant-response.js';

/** The shape of the secret a 402 hands its requester (`accepted.extra.challenge`). */
const SECRET = /^[A-Za-z0-9_-]{16,64}$/;

/** The requester's secret as an x402 client echoed it, or undefined when it is absent or garbled. */
export function echoedSecret(value: unknown): string | undefined {
  return typeof value === 'string' && SECRET.test(value) ? value : undefined;
}

/** Thrown inside a settlement's lane when the same payment was credited meanwhile. */
export class CreditedMeanwhile extends Error {
  constructor(readonly grant: Grant) {
    super('credited meanwhile');
  }
}

/**
 * The grant an x402 payment (EIP-3009, Permit2, Solana) already bought, answered again with its
 * receipt — for this resource only: the binding names no resource, so the same payment presented
 * for another one is refused rather than handed a token that does not open it.
 */
export function grantAgainFor(
  request: SettleRequest,
  pctx: ProofContext,
  known: Grant,
  receipt: Record<string, unknown>,
): Promise<Extract<SettleResponse, { ok: true }>> {
  if (!grantOpens(known, request))
    throw new ProofRefusal(
      REASONS.PAYMENT_ALREADY_REDEEMED,
      'this payment already paid for another resource',
    );
  return grantAgain(pctx, known, undefined, receipt);
}
