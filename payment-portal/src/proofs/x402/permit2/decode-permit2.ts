import {
  REASONS,
  type EvmNetwork,
  type NetworkRegistry,
  type X402PaymentRequirementsV2,
  type X402Proof,
} from '@turnpike/protocol';
import { z } from 'zod';
import { ProofRefusal } from '../../context.js';
import { decodeExactV2 } from '../decode-exact-v2.js';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'address');
const uint = z.string().regex(/^[0-9]{1,78}$/, 'uint256 as decimal digits');

/** x402 `exact` EVM, asset transfer method Permit2 (scheme_exact_evm.md, "2. Permit2"). */
export const permit2PayloadSchema = z.object({
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, '65-byte signature'),
  permit2Authorization: z.object({
    from: address,
    permitted: z.object({ token: address, amount: uint }),
    spender: address,
    nonce: uint,
    deadline: uint,
    witness: z.object({ to: address, validAfter: uint }),
  }),
});
export type Permit2Payload = z.output<typeof permit2PayloadSchema>;

export interface DecodedPermit2 {
  network: EvmNetwork;
  accepted: X402PaymentRequirementsV2;
  permit2: Permit2Payload;
}

/** Whether an x402 proof carries a Permit2 authorization (`payload.permit2Authorization`). */
export function isPermit2X402Proof(proof: X402Proof): boolean {
  const payload = (proof.payload as { payload?: unknown } | null)?.payload;
  return typeof payload === 'object' && payload !== null && 'permit2Authorization' in payload;
}

/** Parses an x402 v2 `exact` Permit2 payment on an EVM network (v1 has no Permit2). */
export function decodePermit2X402Proof(proof: X402Proof, registry: NetworkRegistry): DecodedPermit2 {
  const { network, accepted, payload } = decodeExactV2(
    proof,
    registry,
    'evm',
    'x402 Permit2 payments are version 2 only',
  );
  const permit2 = permit2PayloadSchema.safeParse(payload);
  if (!permit2.success)
    throw new ProofRefusal(
      REASONS.X402_PAYLOAD_INVALID,
      'payload is not a Permit2 authorization with a signature',
    );
  return { network, accepted, permit2: permit2.data };
}
