export type {
  Asset,
  Erc20Asset,
  EvmNetwork,
  NativeAsset,
  Network,
  NetworkRegistry,
  SolanaNetwork,
  SplAsset,
} from './types.js';
export { DEFAULT_NETWORKS } from './defaults.js';
export { checksumEvmAddress, isSolanaAddress, normalizeNetworkAddress } from './address.js';
export {
  assetSchema,
  erc20AssetSchema,
  evmAddressSchema,
  evmNetworkSchema,
  nativeAssetSchema,
  networkSchema,
  solanaAddressSchema,
  solanaNetworkSchema,
  splAssetSchema,
} from './schemas.js';
export {
  networkOverrideSchema,
  networkOverridesSchema,
  type NetworkOverride,
  type NetworkOverrides,
} from './overrides-schema.js';
export { createNetworkRegistry, NetworkConfigError } from './create-registry.js';
export { localAnvilNetwork, localAnvilOverrides } from './local-anvil.js';
export { X402_V1_EVM_CHAIN_IDS, x402V1NameOfChain } from './x402-v1-names.js';
