import { z } from 'zod';
import { assetSchema } from '../networks/schemas.js';

const decimalString = z.string().regex(/^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/, 'canonical decimal string');
const atomicString = z.string().regex(/^[1-9][0-9]{0,77}$/, 'positive integer string');

export const priceOfferWireSchema = z.strictObject({
  network: z.string().min(1).max(64),
  asset: assetSchema,
  amount: decimalString,
  atomic: atomicString,
  address: z.string().min(1).max(128).optional(),
});

/** JSON form of a PaymentRequest (internal API, references): atomic amounts as strings. */
export const paymentRequestWireSchema = z.strictObject({
  claims: z.record(z.string(), z.string()),
  tokenLifetimeMs: z.number().int().positive(),
  description: z.string().optional(),
  offers: z.array(priceOfferWireSchema).min(1),
  customization: z.strictObject({
    css: z.string().optional(),
    js: z.string().optional(),
    image: z.string().optional(),
  }),
  /** Present (true) only when the resource accepts unbound transaction-hash proofs. */
  unboundTxProofs: z.literal(true).optional(),
  /** Present only for a metered resource (`per-request`, `credits`): absent is `pass`. */
  metering: z
    .strictObject({
      model: z.enum(['per-request', 'credits']),
      credits: atomicString,
      cost: atomicString,
      /** Present (true) only when the upstream reports usage (docs/credits.md, "Usage"). */
      usage: z.literal(true).optional(),
    })
    .optional(),
  freeTier: z
    .strictObject({ requests: z.number().int().positive(), periodSeconds: z.number().int().positive() })
    .optional(),
});

export type PriceOfferWire = z.output<typeof priceOfferWireSchema>;
export type PaymentRequestWire = z.output<typeof paymentRequestWireSchema>;
