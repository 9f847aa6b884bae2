import { z } from 'zod';
import { atomicAmountSchema, extraSchema, x402ResourceInfoSchema } from './common.js';

export const x402PaymentRequirementsV2Schema = z.looseObject({
  scheme: z.string().min(1),
  /** CAIP-2, e.g. eip155:8453. */
  network: z.string().min(1),
  amount: atomicAmountSchema,
  asset: z.string().min(1),
  payTo: z.string().min(1),
  maxTimeoutSeconds: z.number().int().positive(),
  extra: extraSchema.optional(),
});

/** The v2 `PAYMENT-REQUIRED` header (decoded). */
export const x402PaymentRequiredV2Schema = z.looseObject({
  x402Version: z.literal(2),
  error: z.string().optional(),
  resource: x402ResourceInfoSchema,
  accepts: z.array(x402PaymentRequirementsV2Schema),
  extensions: z.record(z.string(), z.unknown()).optional(),
});

/** The v2 `PAYMENT-SIGNATURE` header (decoded). */
export const x402PaymentPayloadV2Schema = z.looseObject({
  x402Version: z.literal(2),
  resource: x402ResourceInfoSchema.optional(),
  accepted: x402PaymentRequirementsV2Schema,
  payload: z.record(z.string(), z.unknown()),
  extensions: z.record(z.string(), z.unknown()).optional(),
});

export type X402PaymentRequirementsV2 = z.output<typeof x402PaymentRequirementsV2Schema>;
export type X402PaymentRequiredV2 = z.output<typeof x402PaymentRequiredV2Schema>;
export type X402PaymentPayloadV2 = z.output<typeof x402PaymentPayloadV2Schema>;
