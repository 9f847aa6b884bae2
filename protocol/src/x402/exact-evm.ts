import { z } from 'zod';
import { evmAddressHexSchema, hexSchema } from './common.js';

const uintString = z.string().regex(/^[0-9]{1,78}$/, 'unsigned integer string');

/** `payload` of the `exact` scheme on EVM (EIP-3009 transferWithAuthorization). */
export const x402ExactEvmPayloadSchema = z.looseObject({
  signature: hexSchema,
  authorization: z.looseObject({
    from: evmAddressHexSchema,
    to: evmAddressHexSchema,
    value: uintString,
    validAfter: uintString,
    validBefore: uintString,
    nonce: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'bytes32 nonce'),
  }),
});
export type X402ExactEvmPayload = z.output<typeof x402ExactEvmPayloadSchema>;
