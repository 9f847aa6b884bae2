import { ProtocolError } from '../errors.js';
import { REASONS } from '../reasons.js';
import { DEFAULT_NETWORKS } from './defaults.js';
import { mergeNetworkOverrides } from './merge.js';
import { networkOverridesSchema, type NetworkOverrides } from './overrides-schema.js';
import type { Asset, EvmNetwork, NativeAsset, Network, NetworkRegistry } from './types.js';

/** Thrown by createNetworkRegistry for invalid overrides; `issues` lists every problem. */
export class NetworkConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`invalid network configuration:\n  ${issues.join('\n  ')}`);
    this.name = new.target.name;
    this.issues = issues;
  }
}

/** The built-in networks with `overrides` (config `networks:`) merged over them. */
export function createNetworkRegistry(overrides: NetworkOverrides = {}): NetworkRegistry {
  const parsed = networkOverridesSchema.safeParse(overrides);
  if (!parsed.success) {
    throw new NetworkConfigError(
      parsed.error.issues.map((i) => `networks.${i.path.join('.')}: ${i.message}`),
    );
  }
  const { networks } = mergeNetworkOverrides(DEFAULT_NETWORKS, parsed.data);
  return buildRegistry(Object.values(networks).map(deepFreeze));
}

function buildRegistry(networks: readonly Network[]): NetworkRegistry {
  const byName = new Map(networks.map((n) => [n.name, n]));
  const byCaip2 = new Map(networks.map((n) => [n.caip2, n]));
  const byX402 = new Map(
    networks.flatMap((n) => (n.x402V1Name === undefined ? [] : [[n.x402V1Name, n] as const])),
  );
  const byChainId = new Map(
    networks.flatMap((n) => (n.kind === 'evm' ? [[n.chainId, n] as [number, EvmNetwork]] : [])),
  );
  const list = Object.freeze([...networks]);

  const require = (name: string): Network => {
    const n = byName.get(name);
    if (n === undefined) throw new ProtocolError(REASONS.NETWORK_UNKNOWN, `unknown network "${name}"`);
    return n;
  };
  const nativeAsset = (name: string): NativeAsset => {
    const n = require(name);
    return { kind: 'native', symbol: n.nativeSymbol, decimals: n.nativeDecimals };
  };

  return {
    get: (name) => byName.get(name),
    require,
    byCaip2: (id) => byCaip2.get(id),
    byChainId: (id) => byChainId.get(id),
    byX402V1Name: (name) => byX402.get(name),
    list: () => list,
    nativeAsset,
    asset(name: string, symbol?: string): Asset {
      const n = require(name);
      if (symbol === undefined || symbol === n.nativeSymbol) return nativeAsset(name);
      const tokens: Record<string, Asset> = n.tokens;
      const exact = Object.hasOwn(tokens, symbol) ? tokens[symbol] : undefined;
      if (exact !== undefined) return exact;
      const lower = symbol.toLowerCase();
      if (lower === n.nativeSymbol.toLowerCase()) return nativeAsset(name);
      const found = Object.values(tokens).filter((t) => t.symbol.toLowerCase() === lower);
      if (found.length === 1 && found[0] !== undefined) return found[0];
      throw new ProtocolError(REASONS.ASSET_UNKNOWN, `no asset "${symbol}" on ${name}`);
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
