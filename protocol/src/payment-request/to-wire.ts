import type { PaymentRequest } from './types.js';
import type { PaymentRequestWire, PriceOfferWire } from './wire-schema.js';

/** The JSON form of a payment request (bigint atomic amounts become decimal strings). */
export function toWire(pr: PaymentRequest): PaymentRequestWire {
  const wire: PaymentRequestWire = {
    claims: { ...pr.claims },
    tokenLifetimeMs: pr.tokenLifetimeMs,
    offers: pr.offers.map((o) => {
      const offer: PriceOfferWire = {
        network: o.network,
        asset: o.asset.kind === 'erc20' ? { ...o.asset, eip712: { ...o.asset.eip712 } } : { ...o.asset },
        amount: o.amount,
        atomic: o.atomic.toString(),
      };
      if (o.address !== undefined) offer.address = o.address;
      return offer;
    }),
    customization: { ...pr.customization },
  };
  if (pr.description !== undefined) wire.description = pr.description;
  if (pr.unboundTxProofs === true) wire.unboundTxProofs = true;
  if (pr.metering !== undefined)
    wire.metering = {
      model: pr.metering.model,
      credits: pr.metering.credits.toString(),
      cost: pr.metering.cost.toString(),
      // Absent unless declared, so a declaration without `usage` keeps its wire form and digest.
      ...(pr.metering.usage === true ? { usage: true as const } : {}),
    };
  if (pr.freeTier !== undefined) wire.freeTier = { ...pr.freeTier };
  return wire;
}
