import { z } from 'zod';

/** The receipt (`PAYMENT-RESPONSE` / `X-PAYMENT-RESPONSE`, decoded) and facilitator /settle body. */
export const x402SettlementResponseSchema = z.looseObject({
  success: z.boolean(),
  errorReason: z.string().optional(),
  errorMessage: z.string().optional(),
  payer: z.string().optional(),
  transaction: z.string(),
  network: z.string(),
  amount: z.string().optional(),
  extensions: z.record(z.string(), z.unknown()).optional(),
});

/** Facilitator /verify response. */
export const x402VerifyResponseSchema = z.looseObject({
  isValid: z.boolean(),
  invalidReason: z.string().optional(),
  invalidMessage: z.string().optional(),
  payer: z.string().optional(),
});

export type X402SettlementResponse = z.output<typeof x402SettlementResponseSchema>;
export type X402VerifyResponse = z.output<typeof x402VerifyResponseSchema>;
