import type { NetworkRegistry } from '@turnpike/protocol';

/**
 * The ledger's asset ids (`native`, lower-case contract, mint) an `?asset=` filter stands for: a
 * symbol matches that asset on every network holding it (case-insensitive, `ETH` is `native` where
 * ETH is the coin), anything else is taken as an asset id. Undefined: no filter.
 */
export function assetIdsFor(registry: NetworkRegistry, asset: string | undefined): string[] | undefined {
  if (asset === undefined) return undefined;
  const wanted = asset.toLowerCase();
  const ids = new Set<string>([asset, wanted]);
  for (const network of registry.list()) {
    if (network.nativeSymbol.toLowerCase() === wanted) ids.add('native');
    for (const token of Object.values(network.tokens)) {
      if (token.symbol.toLowerCase() !== wanted) continue;
      ids.add(token.kind === 'spl' ? token.mint : token.address.toLowerCase());
    }
  }
  return [...ids];
}
