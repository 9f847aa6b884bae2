import {
  REASONS,
  type EvmNetwork,
  type SettleRequest,
  type SettleResponse,
  type TxProof,
} from '@turnpike/protocol';
import { findBoundGrant } from '../../ledger/index.js';
import type { ProofsConfig } from '../config.js';
import { ProofRefusal, type ProofContext } from '../context.js';
import { grantAgain } from '../grant-response.js';
import { txBindingOf } from '../tx-binding.js';
import { readsFor } from './chain-reads.js';
import { creditRecordedEvm } from './credit-recorded.js';
import { creditSealedEvm } from './credit-sealed.js';
import { readMinedTx } from './read-mined-tx.js';

const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

export interface TxProofDeps {
  config: ProofsConfig['tx'];
}

/**
 * Verifies a transaction-hash proof on an EVM chain (the ZelfProof flow: the payer sent the
 * transfer and retries with `x-payment-chain` + `x-payment-tx` + `x-payment-challenge`) and, when
 * it pays the challenge, credits it once and returns the token. Order: shape, binding (a proof
 * re-presented with its binding gets its grant back, whatever the chain says), chain, receipt,
 * what it pays, to whom, which asset, how much, how deep, how fresh — and only then the atomic
 * credit.
 */
export async function verifyEvmTxProof(
  request: SettleRequest & { proof: TxProof },
  network: EvmNetwork,
  pctx: ProofContext,
  deps: TxProofDeps,
): Promise<SettleResponse> {
  const hash = request.proof.tx.trim();
  if (!TX_HASH.test(hash))
    throw new ProofRefusal(REASONS.PAYMENT_TX_MALFORMED, 'an EVM transaction hash is 0x and 64 hex digits');
  const txHash = hash.toLowerCase();
  const binding = txBindingOf(request, pctx.challengeKey);
  // A sealed proof may be a re-presentation (a retry, another replica): the ledger's grant is
  // looked up while the chain is read, not before, so a first presentation does not wait for the
  // lookup (it was a third of what a proof added to its reads). A re-presentation still gets its
  // grant whatever the reads do; the reads it started are dropped. They cost no more than a
  // fresh proof's: every attempt, re-presented or not, counts against the attempt limit.
  const known = binding.kind === 'sealed' ? findBoundGrant(pctx.db, binding.binding) : undefined;
  const reads = readsFor(
    pctx.rpcUrls,
    network.name,
    pctx.rpcUrls.get(network.name),
    pctx.rpcTimeoutMs(network.name),
  );
  const netCfg = deps.config.networks[network.name] ?? {};
  const reading = reads === undefined ? undefined : readMinedTx(reads, txHash, network, netCfg);
  // Handled here so a read that fails while the lookup runs (or after a grant is returned) is not
  // an unhandled rejection; `await reading` below still sees the failure.
  reading?.catch(() => undefined);
  const grant = known === undefined ? null : await known;
  if (grant !== null) return grantAgain(pctx, grant, { network: network.name, tx: txHash });
  if (reads === undefined || reading === undefined)
    throw new ProofRefusal(
      REASONS.PAYMENT_CHAIN_UNKNOWN,
      `this portal has no RPC endpoint for ${network.name}`,
    );
  // CPU work while the reads are in flight: the sealed challenge's address, re-derived from the
  // xpub (an elliptic-curve step); creditSealedEvm checks it after the reads, in its order.
  const derivedAddress = binding.kind === 'sealed' ? deriveQuietly(pctx, binding.claims.i) : undefined;
  const mined = await reading;
  if (binding.kind === 'sealed')
    return creditSealedEvm(request, network, pctx, {
      claims: binding.claims,
      binding: binding.binding,
      txHash,
      mined,
      reads,
      config: deps.config,
      derivedAddress,
    });
  return creditRecordedEvm(request, network, pctx, {
    invoiceId: binding.kind === 'recorded' ? binding.invoiceId : undefined,
    txHash,
    mined,
    reads,
    config: deps.config,
  });
}

/** The challenge address of derivation index `i`, or undefined when it cannot be derived (never throws). */
function deriveQuietly(pctx: ProofContext, i: number | undefined): string | undefined {
  try {
    return i === undefined ? undefined : pctx.deriver?.challengeAddress(i);
  } catch {
    return undefined;
  }
}
