import { formatAtomic, type EvmNetwork } from '@turnpike/protocol';
import { transferData } from './erc20-calls.js';
import type { EvmChainReader } from './evm-chain.js';
import type { PlannedAddress, PlannedTransaction } from './sweep-plan-schema.js';

/** eth_estimateGas of a token transfer, plus this margin (%): a wrong estimate wastes gas, a short one fails. */
const TOKEN_GAS_MARGIN_PERCENT = 20n;

/**
 * The sweep of one address: each token balance first (transfer() of the whole balance), then the
 * native balance minus the gas of every transaction at maxFeePerGas. When the native balance cannot
 * pay the token transfers' gas, the address is flagged `needsGas` with the shortfall and no native
 * transaction is planned (the token transactions are still planned, with their nonces).
 * Returns null when nothing is held.
 */
export async function planAddress(
  chain: EvmChainReader,
  network: EvmNetwork,
  entry: { address: string; path: number[] },
  ctx: {
    destination: string;
    accountPath: string;
    fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
  },
): Promise<PlannedAddress | null> {
  const { address } = entry;
  const native = await chain.nativeBalance(address);
  const tokens = [];
  for (const token of Object.values(network.tokens)) {
    const balance = await chain.tokenBalance(token.address, address);
    if (balance > 0n) tokens.push({ token, balance });
  }
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
    const data = transferData(ctx.destination, balance);
    const estimate = await chain.estimateGas({ from: address, to: token.address, data });
    const gasLimit = estimate + (estimate * TOKEN_GAS_MARGIN_PERCENT) / 100n;
    tokenGasCost += gasLimit * ctx.fees.maxFeePerGas;
    transactions.push({
      kind: 'erc20',
      asset: token.address.toLowerCase(),
      symbol: token.symbol,
      decimals: token.decimals,
      amountAtomic: balance.toString(),
      amount: formatAtomic(balance, token.decimals),
      ...fee,
      nonce: nonce++,
      to: token.address,
      value: '0',
      data,
      gasLimit: gasLimit.toString(),
    });
  }
  const needsGas = native < tokenGasCost;
  if (!needsGas) {
    const gasLimit = await chain.estimateGas({ from: address, to: ctx.destination, value: 1n });
    const value = native - tokenGasCost - gasLimit * ctx.fees.maxFeePerGas;
    if (value > 0n)
      transactions.push({
        kind: 'native',
        asset: 'native',
        symbol: network.nativeSymbol,
        decimals: network.nativeDecimals,
        amountAtomic: value.toString(),
        amount: formatAtomic(value, network.nativeDecimals),
        ...fee,
        nonce: nonce++,
        to: ctx.destination,
        value: value.toString(),
        data: '0x',
        gasLimit: gasLimit.toString(),
      });
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
    gasShortfallWei: (needsGas ? tokenGasCost - native : 0n).toString(),
    transactions,
  };
}
