import {
  REASONS,
  type EvmNetwork,
  type MppProof,
  type Reason,
  type SettleRequest,
  type SettleResponse,
  type SiwxProof,
  type TxProof,
  type X402Proof,
} from '@turnpike/protocol';
import type { PortalContext } from '../context.js';
import type { SettleVerifier } from './settle-verifiers.js';
import { RpcError } from '../watchers/evm/rpc-client.js';
import { SolanaRpcUnavailableError } from './solana/rpc.js';
import type { ProofsConfig } from './config.js';
import { ProofRefusal, proofContextFrom, refusalResponse, type ProofContext } from './context.js';
import { verifyEvmTxProof } from './evm/verify-tx-proof.js';
import { verifyMppCredential } from './mpp/index.js';
import { PROOF_REASONS } from './reasons.js';
import { createFacilitatorClient, type FacilitatorClient } from './x402/facilitator-client.js';
import type { Relayer } from './x402/relayer.js';
import { withPaymentIdentifier } from './x402/idempotency/with-payment-identifier.js';
import { settleX402 } from './x402/settle-x402.js';
import { isSvmX402Proof, settleX402Svm, type SvmX402Deps } from './x402/svm/index.js';
import { isPermit2X402Proof } from './x402/permit2/decode-permit2.js';
import { settlePermit2 } from './x402/permit2/settle-permit2.js';
import { verifySiwx } from './x402/siwx/verify-siwx.js';

/** The proof types the portal can verify (one verifier each). */
export type ProofType = 'tx' | 'x402' | 'mpp' | 'siwx';
export const PROOF_TYPES: readonly ProofType[] = ['tx', 'x402', 'mpp', 'siwx'];

/** A verifier that works on the narrower ProofContext (tests and benchmarks call these directly). */
export type ProofVerifier = (request: SettleRequest, pctx: ProofContext) => Promise<SettleResponse>;

export interface ProofVerifierDeps {
  config: ProofsConfig;
  /** The x402 relayer (mode 'relayer'); see createRelayer. */
  relayer?: Relayer | undefined;
  /** Overrides the facilitator client built from config (tests). */
  facilitator?: FacilitatorClient | undefined;
  /** Transaction-hash proofs on Solana networks, from the Solana verifier. */
  solanaTx?: SettleVerifier | undefined;
  /** x402 `exact` on Solana: the fee payer and the RPC it settles through (`proofs.x402.solana`). */
  svm?: SvmX402Deps | undefined;
}

const RPC_RETRY_SECONDS = 5;

/**
 * The settle verifiers for `tx` (EVM here; Solana through `solanaTx`) and `x402` proofs, on the
 * ProofContext. Every refusal is a SettleResponse with a stable reason; an RPC outage is
 * `chain_unavailable` with a Retry-After; anything unexpected is thrown (the internal API answers
 * 500 and the authorizer denies: fail closed).
 */
export function createProofHandlers(deps: ProofVerifierDeps): Partial<Record<ProofType, ProofVerifier>> {
  const out: Partial<Record<ProofType, ProofVerifier>> = {};
  if (deps.config.tx.enabled) {
    out.tx = guarded(async (request, pctx) => {
      const proof = request.proof as TxProof;
      const network = pctx.registry.get(proof.network);
      if (network === undefined)
        throw new ProofRefusal(REASONS.PAYMENT_CHAIN_UNKNOWN, `unknown network "${proof.network}"`);
      if (!request.request.offers.some((o) => o.network === network.name)) {
        throw new ProofRefusal(
          REASONS.PAYMENT_WRONG_NETWORK,
          `this resource is not offered on ${network.name}`,
        );
      }
      // With a Solana verifier, createProofVerifiers sends Solana proofs there before this runs.
      if (network.kind === 'solana')
        throw new ProofRefusal(REASONS.PAYMENT_CHAIN_UNKNOWN, `no verifier for ${network.name}`);
      return verifyEvmTxProof(request as SettleRequest & { proof: TxProof }, network as EvmNetwork, pctx, {
        config: deps.config.tx,
      });
    });
  }
  const x402 = deps.config.x402;
  if (x402?.enabled) {
    const facilitator =
      deps.facilitator ??
      (x402.mode === 'facilitator' && x402.facilitator
        ? createFacilitatorClient(x402.facilitator)
        : undefined);
    const identifiers = {
      ...x402.paymentIdentifier,
      // A claim outlives the longest settlement (its receipt wait) before another replica takes over.
      leaseMs: x402.receiptTimeoutMs + 30_000,
    };
    out.x402 = guarded((request, pctx) => {
      const x402Request = request as SettleRequest & { proof: X402Proof };
      return withPaymentIdentifier(x402Request, pctx, identifiers, () => {
        if (isSvmX402Proof(x402Request.proof, pctx.registry)) {
          if (deps.svm === undefined)
            throw new ProofRefusal(
              REASONS.PAYMENT_WRONG_NETWORK,
              'x402 payments are not settled on Solana here',
            );
          return settleX402Svm(x402Request, pctx, deps.svm);
        }
        if (isPermit2X402Proof(x402Request.proof))
          return settlePermit2(x402Request, pctx, { config: x402, relayer: deps.relayer });
        return settleX402(x402Request, pctx, { config: x402, relayer: deps.relayer, facilitator });
      });
    });
  }
  if (deps.config.siwx.enabled)
    out.siwx = guarded((request, pctx) => verifySiwx(request as SettleRequest & { proof: SiwxProof }, pctx));
  return out;
}

/**
 * The same verifiers as SettleVerifiers of a running portal (what `createSettleVerifiers` holds):
 * `new Map(Object.entries(createProofVerifiers(deps)))`. A `tx` proof on a Solana network goes to
 * `solanaTx`, which makes the network checks itself.
 */
export function createProofVerifiers(deps: ProofVerifierDeps): Partial<Record<ProofType, SettleVerifier>> {
  const handlers = createProofHandlers(deps);
  const out: Partial<Record<ProofType, SettleVerifier>> = {};
  // MPP credentials (`Authorization: Payment`): `authorization` settles through the x402 verifier,
  // `hash`/`signature` are verified as transaction proofs; the ledger credits either once.
  if (deps.config.tx.enabled || handlers.x402 !== undefined)
    out.mpp = (request, ctx) =>
      guarded((r, pctx) =>
        verifyMppCredential(r as SettleRequest & { proof: MppProof }, ctx, pctx, {
          config: deps.config,
          x402: handlers.x402,
          solanaTx: deps.solanaTx,
        }),
      )(request, proofContextFrom(ctx, request.host));
  for (const key of ['tx', 'x402', 'siwx'] as const) {
    const handler = handlers[key];
    if (!handler) continue;
    out[key] = (request: SettleRequest, ctx: PortalContext) => {
      const proof = request.proof;
      if (deps.solanaTx && proof.type === 'tx' && ctx.registry.get(proof.network)?.kind === 'solana')
        return deps.solanaTx(request, ctx);
      return handler(request, proofContextFrom(ctx, request.host));
    };
  }
  return out;
}

function guarded(fn: ProofVerifier): ProofVerifier {
  return async (request, pctx) => {
    try {
      return await fn(request, pctx);
    } catch (err) {
      if (err instanceof ProofRefusal) {
        pctx.onRefusal?.(err.code);
        pctx.logger.info({ proof: request.proof.type, reason: err.code }, 'payment proof refused');
        return refusalResponse(err);
      }
      if (err instanceof RpcError || err instanceof SolanaRpcUnavailableError) {
        pctx.onRefusal?.(PROOF_REASONS.CHAIN_UNAVAILABLE as Reason);
        pctx.logger.warn(
          { proof: request.proof.type, err: { name: err.name, code: String(err.code) } },
          'RPC unavailable while verifying a proof',
        );
        return {
          ok: false,
          reason: PROOF_REASONS.CHAIN_UNAVAILABLE,
          message: 'the chain could not be read; retry shortly',
          retryAfterSeconds: RPC_RETRY_SECONDS,
        };
      }
      throw err;
    }
  };
}
