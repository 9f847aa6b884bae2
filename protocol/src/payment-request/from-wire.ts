import { ProtocolError } from '../errors.js';
import { canonicalJson } from '../internal/canonical-json.js';
import { describeZodError } from '../internal/zod-detail.js';
import type { NetworkRegistry } from '../networks/types.js';
import { REASONS } from '../reasons.js';
import type { PaymentRequest } from './types.js';
import { validatePaymentRequest } from './validate.js';
import { paymentRequestWireSchema } from './wire-schema.js';

/**
 * Parses the JSON form back into a PaymentRequest, re-validating everything against this side's
 * registry: an asset whose contract, mint or decimals differ from the registry's (config drift
 * between services) is `asset_unknown`; an atomic amount that disagrees with the decimal amount
 * is `request_schema_invalid`.
 */
export function fromWire(wire: unknown, registry: NetworkRegistry): PaymentRequest {
  const parsed = paymentRequestWireSchema.safeParse(wire);
  if (!parsed.success)
    throw new ProtocolError(REASONS.REQUEST_SCHEMA_INVALID, describeZodError(parsed.error));
  const w = parsed.data;
  const pr = validatePaymentRequest(
    {
      claims: w.claims,
      exp: w.tokenLifetimeMs,
      description: w.description,
      customization: w.customization,
      unboundTxProofs: w.unboundTxProofs,
      // per-request carries credits/cost 1 on the wire; the declaration form names only the model
      model: w.metering?.model,
      credits: w.metering?.model === 'credits' ? w.metering.credits : undefined,
      cost: w.metering?.model === 'credits' ? w.metering.cost : undefined,
      usage: w.metering?.usage,
      free: w.freeTier,
      requests: w.offers.map((o) => ({
        network: o.network,
        amount: o.amount,
        asset: o.asset.symbol,
        address: o.address,
      })),
    },
    registry,
  );
  pr.offers.forEach((offer, i) => {
    const sent = w.offers[i]!;
    if (canonicalJson(offer.asset) !== canonicalJson(sent.asset)) {
      throw new ProtocolError(
        REASONS.ASSET_UNKNOWN,
        `offers[${i}].asset differs from the registry's ${offer.asset.symbol} on ${offer.network}`,
      );
    }
    if (offer.atomic.toString() !== sent.atomic || offer.amount !== sent.amount) {
      throw new ProtocolError(REASONS.REQUEST_SCHEMA_INVALID, `offers[${i}] amount and atomic disagree`);
    }
  });
  if (w.metering?.model === 'per-request' && (w.metering.credits !== '1' || w.metering.cost !== '1'))
    throw new ProtocolError(REASONS.PRICING_CREDITS_INVALID, 'per-request is credits 1, cost 1');
  return pr;
}
