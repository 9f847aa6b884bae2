import { z } from 'zod';

/** An amount in atomic units, as x402 writes it: a string of digits. */
export const atomicAmountSchema = z.string().regex(/^[0-9]{1,78}$/, 'atomic amount: digits only');
export const hexSchema = z.string().regex(/^0x[0-9a-fA-F]*$/, '0x-prefixed hex');
export const evmAddressHexSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'EVM address');
export const extraSchema = z.record(z.string(), z.unknown());

export const x402ResourceInfoSchema = z.looseObject({
  url: z.string().min(1),
  description: z.string().optional(),
  mimeType: z.string().optional(),
});
export type X402ResourceInfo = z.output<typeof x402ResourceInfoSchema>;
