import type { PaymentRequestWire } from '@turnpike/protocol';

/** The metering of a payment request's wire form (absent: a pass). */
export type WireMetering = PaymentRequestWire['metering'];

/**
 * The `invoices.pricing` value of a request: null for a pass, else the model and what one payment
 * buys; the trigger of migration 0060 opens the token's balance from it when the grant is set.
 */
export function invoicePricing(metering: WireMetering): string | null {
  return metering === undefined
    ? null
    : JSON.stringify({ model: metering.model, credits: metering.credits, cost: metering.cost });
}

/**
 * The claims an invoice's token carries: the requirement's, plus `meter` (the model) for a metered
 * resource, so the authorizer knows without I/O that the token's use is metered and never lets it
 * open a resource of another model (`meter` is a reserved claim: no declaration can require it).
 */
export function invoiceClaims(
  claims: Readonly<Record<string, string>>,
  metering: WireMetering,
): Record<string, string> {
  return metering === undefined ? { ...claims } : { ...claims, meter: metering.model };
}
