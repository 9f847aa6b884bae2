/**
 * The EVM stand with a second EIP-3009 token on anvil: "Euro Coin" (EURC), another FiatTokenV2_2
 * instance with its own EIP-712 domain. x402 v1 payloads name no token, so a resource offering
 * both is how a test sees the signature's domain pick the one the payer signed for.
 */
import { createNetworkRegistry, localAnvilNetwork, type EvmNetwork } from '@turnpike/protocol';
import { deployFiatToken, type DeployedToken } from '../../../../tests/support/anvil.js';
import { startEvmStand, type EvmStand } from './evm-proof-fixture.js';
import type { SigningToken } from './x402-payloads.js';

export const EURC_NAME = 'Euro Coin';

export interface X402Stand extends EvmStand {
  eurc: DeployedToken;
  /** EURC's EIP-712 domain, for signAuthorization's `token`. */
  eurcDomain: SigningToken;
}

/** startEvmStand, plus EURC (funded payer) in the registry's anvil network. */
export async function startX402Stand(): Promise<X402Stand> {
  const stand = await startEvmStand();
  try {
    const eurc = await deployFiatToken(stand.anvil.rpcUrl, stand.anvil.accounts[0]!.address, {
      name: EURC_NAME,
      symbol: 'EURC',
    });
    await eurc.mint(stand.payer.address, 1_000_000_000n);
    const anvil = {
      ...localAnvilNetwork({ usdcAddress: stand.usdc.address, confirmations: 0, usdcEip712Name: 'USD Coin' }),
      x402V1Name: 'anvil',
    };
    const registry = createNetworkRegistry({
      anvil: {
        ...anvil,
        tokens: {
          ...anvil.tokens,
          EURC: {
            kind: 'erc20',
            symbol: 'EURC',
            decimals: 6,
            address: eurc.address,
            eip712: { name: EURC_NAME, version: '2' },
          },
        },
      },
      other: localAnvilNetwork({ chainId: 31338 }),
    });
    return {
      ...stand,
      registry,
      network: registry.require('anvil') as EvmNetwork,
      eurc,
      eurcDomain: { address: eurc.address, name: EURC_NAME },
    };
  } catch (err) {
    await stand.close();
    throw err;
  }
}
