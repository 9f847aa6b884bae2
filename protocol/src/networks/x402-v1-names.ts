/**
 * x402 v1 names of EVM networks and the chain ids x402 v1 clients sign for under them. A v1
 * client never reads a chain id from the 402: it signs the EIP-3009 authorization's EIP-712
 * domain with the chain id its own table gives the name (x402-fetch / x402-axios, `x402`
 * `getNetworkId`), so a name is only usable on the chain it stands for.
 *
 * Recorded from x402's `go/mechanisms/evm/v1/network.go` (coinbase/x402 @dd927a2) and the
 * installed `@x402/evm/v1` `EVM_NETWORK_CHAIN_ID_MAP` (a test keeps the two equal); the
 * TypeScript v1 clients (`x402` 0.7.3 / 1.2.0, used by x402-axios 0.7.2 and
 * x402-fetch 1.2.0) know all of these but `ethereum`, `sepolia`, `megaeth`, `monad`, `stable` and
 * `stable-testnet`.
 */
export const X402_V1_EVM_CHAIN_IDS: Readonly<Record<string, number>> = {
  ethereum: 1,
  sepolia: 11155111,
  abstract: 2741,
  'abstract-testnet': 11124,
  'base-sepolia': 84532,
  base: 8453,
  'avalanche-fuji': 43113,
  avalanche: 43114,
  iotex: 4689,
  sei: 1329,
  'sei-testnet': 1328,
  polygon: 137,
  'polygon-amoy': 80002,
  peaq: 3338,
  story: 1514,
  educhain: 41923,
  'skale-base-sepolia': 324705682,
  megaeth: 4326,
  monad: 143,
  stable: 988,
  'stable-testnet': 2201,
  celo: 42220,
  flare: 14,
};

const NAME_BY_CHAIN_ID: ReadonlyMap<number, string> = new Map(
  Object.entries(X402_V1_EVM_CHAIN_IDS).map(([name, id]) => [id, name]),
);

/** The x402 v1 name of an EVM chain, when x402 v1 clients can sign for that chain. */
export function x402V1NameOfChain(chainId: number): string | undefined {
  return NAME_BY_CHAIN_ID.get(chainId);
}
