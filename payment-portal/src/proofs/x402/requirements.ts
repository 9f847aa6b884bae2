import { getAddress } from 'ethers';
import type { Erc20Asset, EvmNetwork, SettleRequest } from '@turnpike/protocol';
import type { OfferMatch } from '../find-offers.js';

/** Timeout x402 clients get for their authorization (the authorizer's 402 uses the same default). */
export const X402_MAX_TIMEOUT_SECONDS = 300;

/**
 * The x402 `exact` requirement for an invoice offer, built from the portal's own record (never
 * from what the client echoes back), for a facilitator's /verify and /settle.
 */
export function requirementFor(
  version: 1 | 2,
  offer: OfferMatch,
  network: EvmNetwork,
  asset: Erc20Asset,
  request: SettleRequest,
): Record<string, unknown> {
  const common = {
    scheme: 'exact',
    asset: getAddress(asset.address),
    payTo: getAddress(offer.payTo),
    maxTimeoutSeconds: X402_MAX_TIMEOUT_SECONDS,
    extra: { name: asset.eip712.name, version: asset.eip712.version },
  };
  if (version === 2) return { ...common, network: network.caip2, amount: offer.amountAtomic.toString() };
  return {
    ...common,
    network: network.x402V1Name ?? network.name,
    maxAmountRequired: offer.amountAtomic.toString(),
    resource: `${request.scheme}://${request.host}${request.originalUri}`,
    description: request.request.description ?? `Access to ${request.originalUri}`,
    mimeType: 'application/json',
  };
}

/** The asset of an ERC-20 offer, looked up by contract address in the network's tokens. */
export function offerAsset(network: EvmNetwork, offer: OfferMatch): Erc20Asset | undefined {
  if (offer.assetKind !== 'erc20' || offer.assetAddress === null) return undefined;
  return Object.values(network.tokens).find((t) => t.address.toLowerCase() === offer.assetAddress);
}
