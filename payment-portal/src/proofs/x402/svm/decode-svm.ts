import {
  REASONS,
  type NetworkRegistry,
  type SolanaNetwork,
  type X402PaymentRequirementsV2,
  type X402Proof,
} from '@turnpike/protocol';
import { z } from 'zod';
import { ProofRefusal } from '../../context.js';
import { decodeExactV2 } from '../decode-exact-v2.js';

/** An x402 v2 `exact` payment on a Solana network. */
export interface DecodedSvmX402 {
  network: SolanaNetwork;
  accepted: X402PaymentRequirementsV2;
  /** The base64 partially signed transaction. */
  transaction: string;
}

const svmPayloadSchema = z.looseObject({ transaction: z.string().min(1).max(8_192) });

/** Whether an x402 proof names a Solana network (v2 by CAIP-2, v1 by x402's v1 name). */
export function isSvmX402Proof(proof: X402Proof, registry: NetworkRegistry): boolean {
  const p = proof.payload as { accepted?: { network?: unknown }; network?: unknown } | null;
  const name = proof.version === 2 ? p?.accepted?.network : p?.network;
  if (typeof name !== 'string') return false;
  const network =
    proof.version === 2 ? registry.byCaip2(name) : (registry.byX402V1Name(name) ?? registry.get(name));
  return network?.kind === 'solana';
}

/** Parses an x402 v2 `exact` Solana payment: `{accepted, payload: {transaction}}`. v1 is refused. */
export function decodeSvmX402Proof(proof: X402Proof, registry: NetworkRegistry): DecodedSvmX402 {
  const { network, accepted, payload } = decodeExactV2(
    proof,
    registry,
    'solana',
    'x402 on Solana is accepted in version 2 only',
  );
  const inner = svmPayloadSchema.safeParse(payload);
  if (!inner.success)
    throw new ProofRefusal(REASONS.X402_PAYLOAD_INVALID, 'payload is not {transaction: base64}');
  return { network, accepted, transaction: inner.data.transaction };
}
