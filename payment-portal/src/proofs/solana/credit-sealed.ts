import {
  DEFAULT_SITE_ID,
  REASONS,
  type ChallengeClaims,
  type SettleRequest,
  type SettleResponse,
  type SolanaNetwork,
} from '@turnpike/protocol';
import { creditProof, findBoundGrant, type ProofBinding } from '../../ledger/index.js';
import { ProofRefusal } from '../context.js';
import { sealedCreditBase } from '../sealed-credit-base.js';
import { grantAgain, grantResponse } from '../grant-response.js';
import { readSolanaPayment } from './read-payment.js';
import { SOLANA_LOG_INDEX } from './store.js';
import { allAccountKeys, type SolanaTx } from './tx-schema.js';
import type { SolanaVerifyDeps } from './verify-tx-proof.js';

/**
 * Credits a Solana transaction that pays a sealed challenge: it must carry the challenge's Solana
 * Pay reference key (the binding on chain, unique per challenge) and pay the owner's wallet one of
 * the challenge's offers in full, within the challenge's window. The first database write of the
 * flow, through the ledger.
 */
export async function creditSealedSolana(
  deps: SolanaVerifyDeps,
  body: SettleRequest,
  network: SolanaNetwork,
  ctx: { claims: ChallengeClaims; binding: ProofBinding; signature: string; tx: SolanaTx },
): Promise<SettleResponse> {
  const { claims, tx } = ctx;
  const offers = claims.o.filter((o) => o.n === network.name);
  if (offers.length === 0 || claims.k === undefined)
    throw new ProofRefusal(REASONS.PAYMENT_WRONG_NETWORK, `this challenge is not payable on ${network.name}`);
  if ((claims.st ?? DEFAULT_SITE_ID) !== (deps.siteId ?? DEFAULT_SITE_ID))
    throw new ProofRefusal(
      REASONS.PAYMENT_SITE_MISMATCH,
      'the challenge was sealed for another site than the one owning this host',
    );
  const wallet = deps.solanaWallet;
  if (wallet === undefined)
    throw new ProofRefusal(REASONS.PAYMENT_CHAIN_UNKNOWN, 'no Solana wallet is configured');
  if (!allAccountKeys(tx).includes(claims.k))
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_RECIPIENT,
      "the transaction does not carry this challenge's payment reference",
    );
  let paid: { asset: string; amount: bigint; payer: string } | undefined;
  let refusal: ProofRefusal | undefined;
  for (const offer of offers) {
    const native = offer.a === 'native';
    const read = readSolanaPayment(tx, {
      payTo: wallet,
      assetKind: native ? 'native' : 'spl',
      mint: native ? null : offer.a,
    });
    if (!read.ok) {
      refusal ??= new ProofRefusal(read.reason, read.message);
      continue;
    }
    const due = BigInt(offer.t);
    if (read.amount >= due) {
      paid = { asset: offer.a, amount: read.amount, payer: read.payer };
      break;
    }
    refusal = new ProofRefusal(
      REASONS.PAYMENT_UNDERPAID,
      `paid ${read.amount} of ${due} atomic units; ${due - read.amount} left`,
    );
  }
  if (paid === undefined)
    throw refusal ?? new ProofRefusal(REASONS.PAYMENT_WRONG_RECIPIENT, 'nothing was paid');
  const skew = deps.clockSkewMs ?? 60_000;
  if (tx.blockTime === null || Number(tx.blockTime) * 1000 < claims.iat * 1000 - skew)
    throw new ProofRefusal(REASONS.PAYMENT_TOO_OLD, 'the transaction is older than the challenge');
  if (Number(tx.blockTime) * 1000 > claims.exp * 1000 + skew)
    throw new ProofRefusal(REASONS.PAYMENT_EXPIRED, 'the transaction landed after the challenge expired');

  const result = await creditProof(
    deps.db,
    {
      binding: ctx.binding,
      ...sealedCreditBase(claims, body),
      payment: {
        network: network.name,
        txHash: ctx.signature,
        logIndex: SOLANA_LOG_INDEX,
        payer: paid.payer,
        // As the Solana watcher records it: the reference identifies the payment's challenge.
        payTo: claims.k,
        asset: paid.asset,
        amountAtomic: paid.amount,
        blockNumber: tx.slot,
        blockHash: null,
        status: 'redeemed',
      },
    },
    (credited) => deps.events?.paymentsCredited([{ ...credited, dialect: 'tx' }]),
  );
  if (result.ok) return grantResponse(deps, result.grant);
  if (result.reason === 'binding_taken') {
    const known = await findBoundGrant(deps.db, ctx.binding);
    if (known !== null) return grantAgain(deps, known, { network: network.name, tx: ctx.signature });
  }
  throw new ProofRefusal(REASONS.PAYMENT_ALREADY_REDEEMED, 'this payment was already redeemed');
}
