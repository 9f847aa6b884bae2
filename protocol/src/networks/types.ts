export interface NativeAsset {
  kind: 'native';
  symbol: string;
  decimals: number;
}

export interface Erc20Asset {
  kind: 'erc20';
  symbol: string;
  decimals: number;
  /** EIP-55 checksummed contract address. */
  address: string;
  /** EIP-712 domain of the token (EIP-3009 / x402 `extra.name`/`extra.version`). */
  eip712: { name: string; version: string };
  /**
   * How x402 `exact` moves it: `eip3009` (transferWithAuthorization; the default) or `permit2`
   * (a token without EIP-3009: the payer approves Permit2 once and signs a witness transfer).
   */
  assetTransferMethod?: 'eip3009' | 'permit2';
}

export interface SplAsset {
  kind: 'spl';
  symbol: string;
  decimals: number;
  /** base58 mint address. */
  mint: string;
}

export type Asset = NativeAsset | Erc20Asset | SplAsset;

export interface EvmNetwork {
  kind: 'evm';
  name: string;
  /** CAIP-2 id, always `eip155:<chainId>`. */
  caip2: string;
  chainId: number;
  nativeSymbol: string;
  nativeDecimals: number;
  /** Blocks on top of the including block before a transfer counts. */
  confirmations: number;
  /** Keyed by symbol (the asset's own `symbol`). */
  tokens: Record<string, Erc20Asset>;
  /** The network's name in x402 v1 messages, when x402 has one. */
  x402V1Name?: string;
  testnet: boolean;
  /** Explorer link template; `{tx}` is replaced by the transaction hash. */
  explorerTxUrl?: string;
}

export interface SolanaNetwork {
  kind: 'solana';
  name: string;
  /** CAIP-2 id, `solana:<first 32 chars of the genesis hash>`. */
  caip2: string;
  commitment: 'processed' | 'confirmed' | 'finalized';
  nativeSymbol: 'SOL';
  nativeDecimals: 9;
  tokens: Record<string, SplAsset>;
  x402V1Name?: string;
  testnet: boolean;
  /** Explorer link template; `{tx}` is replaced by the transaction signature. */
  explorerTxUrl?: string;
}

export type Network = EvmNetwork | SolanaNetwork;

export interface NetworkRegistry {
  get(name: string): Network | undefined;
  /** Throws ProtocolError `network_unknown`. */
  require(name: string): Network;
  byCaip2(id: string): Network | undefined;
  byChainId(id: number): EvmNetwork | undefined;
  byX402V1Name(name: string): Network | undefined;
  list(): readonly Network[];
  /**
   * The native asset when `symbol` is omitted or equals the native symbol, else the token with
   * that symbol (exact match first, then case-insensitive). Throws `network_unknown` /
   * `asset_unknown`.
   */
  asset(network: string, symbol?: string): Asset;
  /** The native asset of a network. */
  nativeAsset(network: string): NativeAsset;
}
