import { formatAtomic, type EvmNetwork } from '@turnpike/protocol';
import { getAddress } from 'ethers';
import { transferData } from './erc20-calls.js';
import type { EvmChainReader } from './evm-chain.js';
import type { PlannedAddress, PlannedTransaction } from './sweep-plan-schema.js';

/** eth_estimateGas of a token transfer, plus this margin (%): a wrong estimate wastes gas, a short one fails. */
const TOKEN_GAS_MARGIN_PERCENT = 20n;

/** A refund owed from this address (`sweep plan --refunds`): `amountAtomic` of `asset` back to `to`. */
export interface OwedRefund {
  kind: 'overpaid' | 'expired_unpaid';
  invoiceId: string;
  /** 'native' or the lower-case token contract. */
  asset: string;
  amountAtomic: bigint;
  /** The payer. */
  to: string;
}

/**
 * The sweep of one address: each token balance first (refunds owed in that token to their payers,
 * then transfer() of what is left to the destination), then the native asset (refunds in full, then
 * the rest minus the gas of every transaction at maxFeePerGas). A refund is planned only when the
 * balance covers every refund of its asset here; otherwise a note says so and the whole balance is
 * swept as without refunds. When what the native balance holds beyond its refunds cannot pay the
 * gas, the address is flagged `needsGas` with the shortfall and no native sweep is planned (token
 * transfers and refunds are still planned, with their nonces: send the shortfall first). Returns
 * null when nothing is held.
 */
export async function planAddress(
  chain: EvmChainReader,
  network: EvmNetwork,
  entry: { address: string; path: number[] },
  ctx: {
    destination: string;
    accountPath: string;
    fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
    refunds?: readonly OwedRefund[];
    /** Refunds that could not be planned are described here. */
    notes?: string[];
  },
): Promise<PlannedAddress | null> {
  const { address } = entry;
  const refunds = ctx.refunds ?? [];
  const notes = ctx.notes ?? [];
  const native = await chain.nativeBalance(address);
  const tokens = [];
  for (const token of Object.values(network.tokens)) {
    const balance = await chain.tokenBalance(token.address, address);
    if (balance > 0n) tokens.push({ token, balance });
  }
  /** The refunds of `asset` when `balance` covers them all, else none (and a note). */
  const coveredRefunds = (asset: string, balance: bigint, symbol: string, decimals: number): OwedRefund[] => {
    const owed = refunds.filter((r) => r.asset === asset);
    const total = owed.reduce((n, r) => n + r.amountAtomic, 0n);
    if (owed.length === 0 || total <= balance) return owed;
    notes.push(
      `${network.name} ${address}: owes ${formatAtomic(total, decimals)} ${symbol} in refunds but holds ${formatAtomic(balance, decimals)}; refunds not planned (swept already? refund from your own wallet)`,
    );
    return [];
  };
  for (const r of refunds)
    if (r.asset !== 'native' && !tokens.some((t) => t.token.address.toLowerCase() === r.asset))
      notes.push(
        `${network.name} ${address}: refund of invoice ${r.invoiceId} in ${r.asset}, which it no longer holds; not planned`,
      );
  if (native === 0n && tokens.length === 0) return null;

  let nonce = await chain.nonce(address);
  const fee = {
    type: 2 as const,
    chainId: network.chainId,
    maxFeePerGas: ctx.fees.maxFeePerGas.toString(),
    maxPriorityFeePerGas: ctx.fees.maxPriorityFeePerGas.toString(),
  };
  const transactions: PlannedTransaction[] = [];
  let tokenGasCost = 0n;
  for (const { token, balance } of tokens) {
    const asset = token.address.toLowerCase();
    const sends: Array<{ to: string; amount: bigint; refund?: OwedRefund }> = coveredRefunds(
      asset,
      balance,
      token.symbol,
      token.decimals,
    ).map((r) => ({ to: getAddress(r.to), amount: r.amountAtomic, refund: r }));
    const left = balance - sends.reduce((n, s) => n + s.amount, 0n);
    if (left > 0n) sends.push({ to: ctx.destination, amount: left });
    for (const send of sends) {
      const data = transferData(send.to, send.amount);
      const estimate = await chain.estimateGas({ from: address, to: token.address, data });
      const gasLimit = estimate + (estimate * TOKEN_GAS_MARGIN_PERCENT) / 100n;
      tokenGasCost += gasLimit * ctx.fees.maxFeePerGas;
      transactions.push({
        kind: 'erc20',
        asset,
        symbol: token.symbol,
        decimals: token.decimals,
        amountAtomic: send.amount.toString(),
        amount: formatAtomic(send.amount, token.decimals),
        ...fee,
        nonce: nonce++,
        to: token.address,
        value: '0',
        data,
        gasLimit: gasLimit.toString(),
        ...refundField(send.refund),
      });
    }
  }
  // Native refunds are owed in full: the gas of every transaction comes out of what is left, and
  // when that cannot pay it the address needs gas sent to it first (as for token transfers).
  const nativeRefunds = coveredRefunds('native', native, network.nativeSymbol, network.nativeDecimals);
  const reserved = nativeRefunds.reduce((n, r) => n + r.amountAtomic, 0n);
  const pushNative = (to: string, value: bigint, gasLimit: bigint, refund?: OwedRefund): void => {
    transactions.push({
      kind: 'native',
      asset: 'native',
      symbol: network.nativeSymbol,
      decimals: network.nativeDecimals,
      amountAtomic: value.toString(),
      amount: formatAtomic(value, network.nativeDecimals),
      ...fee,
      nonce: nonce++,
      to,
      value: value.toString(),
      data: '0x',
      gasLimit: gasLimit.toString(),
      ...refundField(refund),
    });
  };
  let gasCost = tokenGasCost;
  for (const r of nativeRefunds) {
    const to = getAddress(r.to);
    const gasLimit = await chain.estimateGas({ from: address, to, value: 1n });
    gasCost += gasLimit * ctx.fees.maxFeePerGas;
    pushNative(to, r.amountAtomic, gasLimit, r);
  }
  const spendable = native - reserved;
  const needsGas = spendable < gasCost;
  if (!needsGas) {
    const gasLimit = await chain.estimateGas({ from: address, to: ctx.destination, value: 1n });
    const value = spendable - gasCost - gasLimit * ctx.fees.maxFeePerGas;
    if (value > 0n) pushNative(ctx.destination, value, gasLimit);
  }
  const relative = entry.path.join('/');
  return {
    network: network.name,
    chainId: network.chainId,
    address,
    path: relative,
    fullPath: `${ctx.accountPath}/${relative}`,
    balances: [
      {
        asset: 'native',
        symbol: network.nativeSymbol,
        decimals: network.nativeDecimals,
        atomic: native.toString(),
        amount: formatAtomic(native, network.nativeDecimals),
      },
      ...tokens.map(({ token, balance }) => ({
        asset: token.address.toLowerCase(),
        symbol: token.symbol,
        decimals: token.decimals,
        atomic: balance.toString(),
        amount: formatAtomic(balance, token.decimals),
      })),
    ],
    needsGas,
    gasShortfallWei: (needsGas ? gasCost - spendable : 0n).toString(),
    transactions,
  };
}

function refundField(r: OwedRefund | undefined): Pick<PlannedTransaction, 'refund'> {
  return r === undefined ? {} : { refund: { kind: r.kind, invoiceId: r.invoiceId, to: getAddress(r.to) } };
}
