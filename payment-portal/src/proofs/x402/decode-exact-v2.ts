import {
  REASONS,
  x402PaymentPayloadV2Schema,
  type Network,
  type NetworkRegistry,
  type X402PaymentRequirementsV2,
  type X402Proof,
} from '@turnpike/protocol';
import { ProofRefusal } from '../context.js';

/**
 * The envelope every x402 v2 `exact` payment shares — the version, the v2 payload shape, the
 * `exact` scheme, a network of `kind` named by its CAIP-2 id — with the scheme's own `payload`
 * left for the caller's schema (Permit2's witness transfer, Solana's transaction).
 */
export function decodeExactV2<K extends Network['kind']>(
  proof: X402Proof,
  registry: NetworkRegistry,
  kind: K,
  /** Why a v1 payload is refused, in the words of the caller's scheme. */
  v2Only: string,
): { network: Extract<Network, { kind: K }>; accepted: X402PaymentRequirementsV2; payload: unknown } {
  if (proof.version !== 2) throw new ProofRefusal(REASONS.X402_PAYLOAD_INVALID, v2Only);
  const parsed = x402PaymentPayloadV2Schema.safeParse(proof.payload);
  if (!parsed.success) throw new ProofRefusal(REASONS.X402_PAYLOAD_INVALID, 'not an x402 v2 payment payload');
  const { accepted } = parsed.data;
  if (accepted.scheme !== 'exact')
    throw new ProofRefusal(
      REASONS.X402_PAYLOAD_INVALID,
      `scheme "${accepted.scheme}" is not supported (only "exact")`,
    );
  const network = registry.byCaip2(accepted.network);
  if (network?.kind !== kind)
    throw new ProofRefusal(REASONS.PAYMENT_CHAIN_UNKNOWN, `unknown network "${accepted.network}"`);
  return { network: network as Extract<Network, { kind: K }>, accepted, payload: parsed.data.payload };
}
