import { REASONS, type Reason } from '@turnpike/protocol';
import { allAccountKeys, type SolanaTokenBalance, type SolanaTx } from './tx-schema.js';

/** What a Solana offer expects: the merchant's wallet, and SOL or one SPL mint. */
export interface SolanaOfferExpectation {
  payTo: string;
  assetKind: 'native' | 'spl';
  /** The SPL mint (base58); null for SOL. */
  mint: string | null;
}

export type ReadPaymentResult =
  { ok: true; amount: bigint; payer: string } | { ok: false; reason: Reason; message: string };

/**
 * Reads what a landed transaction paid to the offer's wallet, from the balances the cluster
 * recorded (not from instruction data, so every way of moving funds counts the same):
 * SOL — postBalances − preBalances of `payTo`; SPL — the sum over token accounts owned by `payTo`
 * of that mint of post − pre token amount (an account created in the transaction has no pre entry:
 * 0). Pure: no I/O, so the verifier and the watcher judge a transaction the same way.
 */
export function readSolanaPayment(tx: SolanaTx, offer: SolanaOfferExpectation): ReadPaymentResult {
  const meta = tx.meta;
  if (meta === null)
    return {
      ok: false,
      reason: REASONS.PAYMENT_NOT_FOUND,
      message: 'the transaction has no status metadata',
    };
  if (meta.err !== null && meta.err !== undefined) {
    return { ok: false, reason: REASONS.PAYMENT_REVERTED, message: 'the transaction failed on chain' };
  }
  const keys = allAccountKeys(tx);
  const lamportsIn = lamportDelta(keys, meta.preBalances, meta.postBalances, offer.payTo);
  const tokensIn = tokenDeltas(meta.preTokenBalances ?? [], meta.postTokenBalances ?? [], offer.payTo);
  const payer = keys[0] as string;

  const amount = offer.assetKind === 'native' ? lamportsIn : (tokensIn.get(offer.mint ?? '') ?? 0n);
  if (amount > 0n) return { ok: true, amount, payer };
  const otherAsset =
    offer.assetKind === 'native'
      ? [...tokensIn.values()].some((v) => v > 0n)
      : lamportsIn > 0n || [...tokensIn.values()].some((v) => v > 0n);
  if (otherAsset)
    return {
      ok: false,
      reason: REASONS.PAYMENT_WRONG_ASSET,
      message: 'the transaction paid the wallet in another asset',
    };
  return {
    ok: false,
    reason: REASONS.PAYMENT_WRONG_RECIPIENT,
    message: 'the transaction pays nothing to the invoice wallet',
  };
}

function lamportDelta(
  keys: readonly string[],
  pre: readonly bigint[],
  post: readonly bigint[],
  payTo: string,
): bigint {
  const i = keys.indexOf(payTo);
  if (i === -1) return 0n;
  return (post[i] ?? 0n) - (pre[i] ?? 0n);
}

/** mint → net change of the amounts held by `owner`'s token accounts. */
function tokenDeltas(
  pre: readonly SolanaTokenBalance[],
  post: readonly SolanaTokenBalance[],
  owner: string,
): Map<string, bigint> {
  const deltas = new Map<string, bigint>();
  const add = (b: SolanaTokenBalance, sign: 1n | -1n) => {
    if (b.owner !== owner) return;
    deltas.set(b.mint, (deltas.get(b.mint) ?? 0n) + sign * BigInt(b.uiTokenAmount.amount));
  };
  for (const b of post) add(b, 1n);
  for (const b of pre) add(b, -1n);
  return deltas;
}
