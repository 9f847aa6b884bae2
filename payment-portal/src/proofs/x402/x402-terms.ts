import { REASONS, type Erc20Asset, type SettleRequest } from '@turnpike/protocol';
import { ProofRefusal, type ProofContext } from '../context.js';
import { checkAuthorization, isSignedFor } from './authorization.js';
import type { DecodedX402 } from './decode.js';

/** What an x402 payment must pay: the portal's x402 address, one offered token, its price. */
export interface X402Terms {
  payTo: string;
  asset: Erc20Asset;
  amount: bigint;
}

/**
 * Matches an x402 payment to the resource's terms and checks it offline (recipient, value,
 * validity window, EIP-712 signature). v2 names the token it accepted; v1 does not, so the offered
 * token is the one the signature is for — its domain is the token contract, so only the token the
 * payer signed for recovers the payer.
 */
export function x402TermsOf(
  request: SettleRequest,
  d: DecodedX402,
  pctx: ProofContext,
  minValiditySeconds: number,
): X402Terms {
  const x402 = pctx.payee.x402;
  if (x402 === undefined || !x402.networks.includes(d.network.name))
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_NETWORK,
      `x402 payments are not settled on ${d.network.name}`,
    );
  const offered = request.request.offers.filter(
    (o) => o.network === d.network.name && o.asset.kind === 'erc20',
  );
  if (offered.length === 0)
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_NETWORK,
      `this resource is not offered in a token on ${d.network.name}`,
    );
  if (d.accepted !== undefined && d.accepted.payTo.toLowerCase() !== x402.payTo)
    throw new ProofRefusal(REASONS.X402_RECIPIENT_MISMATCH, 'the payment is not addressed to this service');
  const candidates = offered.filter(
    (o) =>
      d.accepted === undefined ||
      (o.asset as Erc20Asset).address.toLowerCase() === d.accepted.asset.toLowerCase(),
  );
  if (candidates.length === 0)
    throw new ProofRefusal(REASONS.PAYMENT_WRONG_ASSET, 'x402 pays this resource only in its offered tokens');
  // One offer per token is the usual case; v1 with several tokens: the one the payer signed for
  // (its EIP-712 domain recovers the payer), so a refusal speaks of that token's terms. When none
  // recovers, the first offer's checks say why (the signature, unless something fails before it).
  const offer =
    candidates.length === 1
      ? candidates[0]!
      : (candidates.find((o) => isSignedFor(d.exact, d.network, o.asset as Erc20Asset)) ?? candidates[0]!);
  const asset = offer.asset as Erc20Asset;
  // A token without EIP-3009 (its DOMAIN_SEPARATOR and transferWithAuthorization do not exist).
  if (asset.assetTransferMethod === 'permit2')
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_ASSET,
      `${asset.symbol} is paid through Permit2, not EIP-3009`,
    );
  const amount = BigInt(offer.atomic);
  if (d.accepted !== undefined && BigInt(d.accepted.amount) !== amount)
    throw new ProofRefusal(REASONS.X402_VALUE_MISMATCH, 'the accepted amount is not the price');
  checkAuthorization(d.exact, {
    network: d.network,
    asset,
    payTo: x402.payTo,
    amount,
    exactValue: d.version === 2,
    minValiditySeconds,
    nowSeconds: Math.floor((pctx.now ?? Date.now)() / 1000),
  });
  return { payTo: x402.payTo, asset, amount };
}
