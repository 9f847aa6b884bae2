import type { PaymentRequest } from './types.js';

/**
 * The `x-402-request` header value for a payment request (standard base64 of its wire JSON):
 * what an upstream would send. Handy for tests, static routes and the demo.
 */
export function encodePaymentRequest(pr: PaymentRequest): string {
  const json: Record<string, unknown> = {
    claims: pr.claims,
    exp: pr.tokenLifetimeMs,
    payment: {
      requests: pr.offers.map((o) => ({
        network: o.network,
        amount: o.amount,
        ...(o.asset.kind === 'native' ? {} : { asset: o.asset.symbol }),
        ...(o.address === undefined ? {} : { address: o.address }),
      })),
    },
  };
  if (Object.keys(pr.customization).length > 0) json['customization'] = pr.customization;
  if (pr.description !== undefined) json['description'] = pr.description;
  // The price model, the free tier and the proof opt-in travel too: a request re-encoded must
  // price the resource the same way (docs/payment-request.md, "Price models").
  if (pr.metering !== undefined) {
    json['model'] = pr.metering.model;
    if (pr.metering.model === 'credits') {
      json['credits'] = pr.metering.credits.toString();
      json['cost'] = pr.metering.cost.toString();
      if (pr.metering.usage === true) json['usage'] = true;
    }
  }
  if (pr.freeTier !== undefined) json['free'] = { ...pr.freeTier };
  if (pr.unboundTxProofs === true) json['proofs'] = { tx: { unbound: 'allow' } };
  return Buffer.from(JSON.stringify(json)).toString('base64');
}
