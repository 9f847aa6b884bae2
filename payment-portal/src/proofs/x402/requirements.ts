import { getAddress } from 'ethers';
import type { Erc20Asset, EvmNetwork, SettleRequest } from '@turnpike/protocol';

/** Timeout x402 clients get for their authorization (the authorizer's 402 uses the same default). */
export const X402_MAX_TIMEOUT_SECONDS = 300;

/**
 * The x402 `exact` requirement a payment answers, built from the portal's own terms (its x402
 * address, the resource's price) — never from what the client echoes back — for a facilitator's
 * /verify and /settle.
 */
export function requirementFor(
  version: 1 | 2,
  terms: { payTo: string; amount: bigint; secret?: string | undefined },
  network: EvmNetwork,
  asset: Erc20Asset,
  request: SettleRequest,
): Record<string, unknown> {
  const common = {
    scheme: 'exact',
    asset: getAddress(asset.address),
    payTo: getAddress(terms.payTo),
    maxTimeoutSeconds: X402_MAX_TIMEOUT_SECONDS,
    // The requester's secret as the 402 listed it, so the requirement is the one the client accepted.
    extra: {
      name: asset.eip712.name,
      version: asset.eip712.version,
      ...(terms.secret === undefined ? {} : { challenge: terms.secret }),
    },
  };
  if (version === 2) return { ...common, network: network.caip2, amount: terms.amount.toString() };
  return {
    ...common,
    network: network.x402V1Name ?? network.name,
    maxAmountRequired: terms.amount.toString(),
    resource: `${request.scheme}://${request.host}${request.originalUri}`,
    description: request.request.description ?? `Access to ${request.originalUri}`,
    mimeType: 'application/json',
  };
}
