import { formatAtomic, type NetworkRegistry } from '@turnpike/protocol';
import { assetLabel } from '../../events/asset-label.js';

/** An amount of one asset as the reports show it: exact atomic units, and whole units when known. */
export interface LedgerAmount {
  network: string;
  /** 'native', the lower-case token contract, or the SPL mint, as the ledger records it. */
  asset: string;
  /** The registry's symbol; null when the asset is not (or no longer) configured. */
  symbol: string | null;
  decimals: number | null;
  /** Atomic units, a decimal string (bigint). */
  amountAtomic: string;
  /** Whole units, exact decimal string; null when the decimals are unknown. */
  amount: string | null;
}

/** Describes `atomic` of `asset` on `network` with the registry's symbol and decimals. */
export function ledgerAmount(
  registry: NetworkRegistry,
  network: string,
  asset: string,
  atomic: bigint | string,
): LedgerAmount {
  const label = assetLabel(registry, network, asset);
  const value = typeof atomic === 'bigint' ? atomic : BigInt(atomic);
  return {
    network,
    asset,
    symbol: label?.symbol ?? null,
    decimals: label?.decimals ?? null,
    amountAtomic: value.toString(),
    amount: label === undefined ? null : formatAtomic(value, label.decimals),
  };
}

/** The network's explorer link for a transaction (`explorerTxUrl`), or null when it has none. */
export function explorerTxUrl(registry: NetworkRegistry, network: string, tx: string): string | null {
  const template = registry.get(network)?.explorerTxUrl;
  return template === undefined ? null : template.replace('{tx}', encodeURIComponent(tx));
}
