import {
  REASONS,
  x402ExactEvmPayloadSchema,
  x402PaymentPayloadV1Schema,
  x402PaymentPayloadV2Schema,
  type EvmNetwork,
  type NetworkRegistry,
  type X402ExactEvmPayload,
  type X402PaymentRequirementsV2,
  type X402Proof,
} from '@turnpike/protocol';
import { ProofRefusal } from '../context.js';

/** An x402 `exact` EVM payment, whichever version carried it. */
export interface DecodedX402 {
  version: 1 | 2;
  network: EvmNetwork;
  /** v2 only: the requirement the client says it accepted. */
  accepted?: X402PaymentRequirementsV2;
  exact: X402ExactEvmPayload;
  /** The payment payload as the client sent it (forwarded to a facilitator unchanged). */
  raw: Record<string, unknown>;
}

/**
 * Parses an x402 proof: v2 `{x402Version:2, accepted, payload}` (network as CAIP-2) or v1
 * `{x402Version:1, scheme, network, payload}` (x402's v1 network name). Only the `exact` scheme on
 * EVM (EIP-3009) is taken.
 */
export function decodeX402Proof(proof: X402Proof, registry: NetworkRegistry): DecodedX402 {
  let scheme: string;
  let networkName: string;
  let accepted: X402PaymentRequirementsV2 | undefined;
  let raw: Record<string, unknown>;
  let inner: unknown;
  if (proof.version === 2) {
    const parsed = x402PaymentPayloadV2Schema.safeParse(proof.payload);
    if (!parsed.success)
      throw new ProofRefusal(REASONS.X402_PAYLOAD_INVALID, 'not an x402 v2 payment payload');
    accepted = parsed.data.accepted;
    ({ scheme, network: networkName } = parsed.data.accepted);
    raw = parsed.data;
    inner = parsed.data.payload;
  } else {
    const parsed = x402PaymentPayloadV1Schema.safeParse(proof.payload);
    if (!parsed.success)
      throw new ProofRefusal(REASONS.X402_PAYLOAD_INVALID, 'not an x402 v1 payment payload');
    ({ scheme, network: networkName } = parsed.data);
    raw = parsed.data;
    inner = parsed.data.payload;
  }
  const v2 = proof.version === 2;
  if (scheme !== 'exact')
    throw new ProofRefusal(
      REASONS.X402_PAYLOAD_INVALID,
      `scheme "${scheme}" is not supported (only "exact")`,
    );
  const network = v2
    ? registry.byCaip2(networkName)
    : (registry.byX402V1Name(networkName) ?? registry.get(networkName));
  if (network === undefined)
    throw new ProofRefusal(REASONS.PAYMENT_CHAIN_UNKNOWN, `unknown network "${networkName}"`);
  if (network.kind !== 'evm')
    throw new ProofRefusal(REASONS.X402_PAYLOAD_INVALID, 'only EVM x402 payments are verified here');
  const exact = x402ExactEvmPayloadSchema.safeParse(inner);
  if (!exact.success)
    throw new ProofRefusal(
      REASONS.X402_PAYLOAD_INVALID,
      'payload is not an EIP-3009 authorization with a signature',
    );
  return {
    version: v2 ? 2 : 1,
    network,
    ...(accepted === undefined ? {} : { accepted }),
    exact: exact.data,
    raw,
  };
}
