import type { NetworkOverride, NetworkOverrides } from './overrides-schema.js';

/**
 * A registry entry for a local anvil chain (dev and tests): chain id 31337 by default, ETH
 * native, 0 confirmations unless given, and USDC at `usdcAddress` when one was deployed (the
 * EIP-712 domain "USD Coin"/"2", which is what deploy/dev/usdc.ts initialises FiatTokenV2_2 with —
 * x402 clients sign over this name, so a mismatch makes every transferWithAuthorization revert).
 * Use as `createNetworkRegistry({ anvil: localAnvilNetwork({ usdcAddress }) })`; the registry name
 * is the key it is put under (`opts.name` is used by `localAnvilOverrides`).
 */
export function localAnvilNetwork(
  opts: {
    name?: string;
    chainId?: number;
    usdcAddress?: string;
    confirmations?: number;
    usdcEip712Name?: string;
  } = {},
): NetworkOverride {
  const chainId = opts.chainId ?? 31337;
  return {
    kind: 'evm',
    chainId,
    caip2: `eip155:${chainId}`,
    nativeSymbol: 'ETH',
    nativeDecimals: 18,
    confirmations: opts.confirmations ?? 0,
    testnet: true,
    tokens:
      opts.usdcAddress === undefined
        ? {}
        : {
            USDC: {
              kind: 'erc20',
              symbol: 'USDC',
              decimals: 6,
              address: opts.usdcAddress,
              eip712: { name: opts.usdcEip712Name ?? 'USD Coin', version: '2' },
            },
          },
  };
}

/** `{ [opts.name ?? 'anvil']: localAnvilNetwork(opts) }`, ready for createNetworkRegistry or config. */
export function localAnvilOverrides(opts: Parameters<typeof localAnvilNetwork>[0] = {}): NetworkOverrides {
  return { [opts.name ?? 'anvil']: localAnvilNetwork(opts) };
}
