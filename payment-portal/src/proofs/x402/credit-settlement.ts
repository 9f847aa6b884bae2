import { REASONS, type SettleRequest } from '@turnpike/protocol';
import {
  creditProof,
  creditSubjectOf,
  findBoundGrant,
  type Grant,
  type ProofBinding,
  type ProofCredit,
} from '../../ledger/index.js';
import { ProofRefusal, type ProofContext } from '../context.js';

/** What an x402 settlement this portal made moved, as read back from the chain. */
export type SettledPayment = Omit<ProofCredit['payment'], 'status'>;

/**
 * Credits an x402 settlement the portal has just made (EIP-3009, Permit2 or Solana): one atomic
 * ledger write, then the grant. The money has moved by now, so a credit that does not happen is
 * logged as an error; a binding credited meanwhile (a copy of the same authorization, elsewhere)
 * gives that grant, as any re-presented proof gets its own.
 */
export async function creditSettlement(
  pctx: ProofContext,
  request: SettleRequest,
  binding: ProofBinding,
  /** Until when the authorization could be settled. */
  payableUntil: Date,
  payment: SettledPayment,
): Promise<Grant> {
  const result = await creditProof(
    pctx.db,
    {
      binding,
      ...creditSubjectOf(request),
      ...(pctx.siteId === undefined ? {} : { siteId: pctx.siteId }),
      payableUntil,
      payment: { ...payment, status: 'settled' },
    },
    (credited) => pctx.events?.paymentsCredited([{ ...credited, dialect: 'x402' }]),
  );
  if (result.ok) return result.grant;
  if (result.reason === 'binding_taken') {
    const grant = await findBoundGrant(pctx.db, binding);
    if (grant !== null) return grant;
  }
  pctx.logger.error(
    { network: payment.network, tx: payment.txHash, reason: result.reason },
    'x402 settled on chain but not credited',
  );
  throw new ProofRefusal(REASONS.PAYMENT_ALREADY_REDEEMED, 'this payment has already been redeemed');
}
