import type { NetworkRegistry, SettleProof, SettleResponse } from '@turnpike/protocol';
import type { AuthzReason } from '../reasons.js';

/** What one dialect read from a request: nothing of its own, a proof to redeem, or a garbled one. */
export type ExtractedProof =
  { kind: 'none' } | { kind: 'proof'; proof: SettleProof } | { kind: 'invalid'; reason: AuthzReason };

/**
 * One way a client presents a payment (transaction hash, x402, MPP, …), as an adapter over the one
 * redemption path: it reads its own headers into a `SettleProof` for the portal's ledger, and
 * turns the portal's grant into its own receipt headers. The decision core and the redeemer know
 * no dialect by name; a new dialect is a new folder here plus its entry in `index.ts`.
 */
export interface PaymentDialect {
  /** The `SettleProof.type` this dialect produces (and whose receipts it renders). */
  readonly proofType: SettleProof['type'];
  /** Reads this dialect's proof from the request headers (lower-case names). */
  extract(headers: Readonly<Record<string, string | undefined>>, registry: NetworkRegistry): ExtractedProof;
  /** Headers that carry the dialect's receipt on a redeemed proof (beside the token and cookie). */
  receiptHeaders?(proof: SettleProof, granted: Extract<SettleResponse, { ok: true }>): Record<string, string>;
}
