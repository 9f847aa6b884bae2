import { z } from 'zod';

/**
 * Structure of the `x-402-request` JSON. Unknown keys are refused (a typo such as "expires"
 * must not silently give a default), except the original project's fields listed below, which
 * are accepted and ignored so its users can switch unchanged. Value checks that carry their own
 * reason (exp, claims, amounts, URLs) happen after this schema, in validate.ts.
 */
export const paymentRequestHeaderSchema = z.strictObject({
  claims: z.unknown().optional(),
  exp: z.unknown().optional(),
  description: z.unknown().optional(),
  customization: z.unknown().optional(),
  /** What the resource is, e.g. `text/html` (x402 `resource.mimeType`). */
  mimeType: z.unknown().optional(),
  /** A JSON Schema of the response body (x402 `bazaar` discovery, v1 `outputSchema`). */
  outputSchema: z.unknown().optional(),
  /**
   * How proofs may bind to this resource. `tx.unbound: "allow"` accepts a transaction hash without
   * the challenge it was quoted for (the original ZelfProof retry): front-runnable, see
   * docs/payments-from-programs.md. Default "deny".
   */
  /** The price model: "pass" (default), "per-request" or "credits" (docs/payment-request.md). */
  model: z.unknown().optional(),
  /** model "credits": what one payment buys, and what one request spends (default 1). */
  credits: z.unknown().optional(),
  cost: z.unknown().optional(),
  /** model "credits": `true` = the upstream reports each response's real cost in `x-402-usage`. */
  usage: z.unknown().optional(),
  /** `{requests, periodSeconds}`: free requests per payer per period before a 402. */
  free: z.unknown().optional(),
  proofs: z
    .strictObject({ tx: z.strictObject({ unbound: z.enum(['allow', 'deny']) }).optional() })
    .optional(),
  payment: z.strictObject({
    requests: z.array(
      z.strictObject({
        network: z.string().min(1).max(64),
        amount: z.unknown().optional(),
        asset: z.string().max(32).optional(),
        address: z.string().max(128).optional(),
      }),
    ),
    // ignored (robertlestak/402 internal fields)
    tenant: z.unknown().optional(),
    txid: z.unknown().optional(),
    network: z.unknown().optional(),
    encrypted_meta: z.unknown().optional(),
    meta_hash: z.unknown().optional(),
    token: z.unknown().optional(),
  }),
  // ignored (robertlestak/402)
  renewable: z.unknown().optional(),
  upstream_id: z.unknown().optional(),
});
