import { z } from 'zod';
import { atomicAmountSchema, extraSchema } from './common.js';

// Objects are loose: x402 adds fields over time and a compatible server must pass them through.

export const x402PaymentRequirementsV1Schema = z.looseObject({
  scheme: z.string().min(1),
  network: z.string().min(1),
  maxAmountRequired: atomicAmountSchema,
  asset: z.string().min(1),
  payTo: z.string().min(1),
  resource: z.string(),
  description: z.string(),
  mimeType: z.string(),
  outputSchema: z.unknown().optional(),
  maxTimeoutSeconds: z.number().int().positive(),
  extra: extraSchema.optional(),
});

/** The v1 402 JSON body. */
export const x402PaymentRequiredV1Schema = z.looseObject({
  x402Version: z.literal(1),
  error: z.string(),
  accepts: z.array(x402PaymentRequirementsV1Schema),
});

/** The v1 `X-PAYMENT` header (decoded). */
export const x402PaymentPayloadV1Schema = z.looseObject({
  x402Version: z.literal(1),
  scheme: z.string().min(1),
  network: z.string().min(1),
  payload: z.record(z.string(), z.unknown()),
});

export type X402PaymentRequirementsV1 = z.output<typeof x402PaymentRequirementsV1Schema>;
export type X402PaymentRequiredV1 = z.output<typeof x402PaymentRequiredV1Schema>;
export type X402PaymentPayloadV1 = z.output<typeof x402PaymentPayloadV1Schema>;
