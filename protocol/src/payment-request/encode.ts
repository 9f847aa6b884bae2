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
  return Buffer.from(JSON.stringify(json)).toString('base64');
}
