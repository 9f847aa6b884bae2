import type { NetworkRegistry } from '@turnpike/protocol';

/** An asset as metrics and event lines name it: the configured symbol and its decimals. */
export interface AssetLabel {
  symbol: string;
  decimals: number;
}

/**
 * The configured asset a recorded payment is in: `native`, an ERC-20 contract (any case) or an
 * SPL mint, on `network`. Undefined when the registry holds no such asset (a payment of an asset
 * no longer configured); callers then label it by its id, so labels stay bounded by what the
 * watchers and verifiers accept (configured assets only).
 */
export function assetLabel(
  registry: NetworkRegistry,
  network: string,
  assetId: string,
): AssetLabel | undefined {
  const net = registry.get(network);
  if (!net) return undefined;
  if (assetId === 'native') {
    const native = registry.nativeAsset(network);
    return { symbol: native.symbol, decimals: native.decimals };
  }
  const id = assetId.toLowerCase();
  const tokens: Array<{ symbol: string; decimals: number; id: string }> =
    net.kind === 'evm'
      ? Object.values(net.tokens).map((t) => ({ ...t, id: t.address.toLowerCase() }))
      : Object.values(net.tokens).map((t) => ({ ...t, id: t.mint }));
  // EVM contracts compare case-insensitively; Solana mints are base58 (case matters).
  const token = tokens.find((t) => t.id === (net.kind === 'evm' ? id : assetId));
  if (token) return { symbol: token.symbol, decimals: token.decimals };
  return undefined;
}
