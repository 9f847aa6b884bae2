/**
 * What binds a credited proof to the one who presented it, stored as `invoices.binding` (unique).
 * Presenting the same proof with the same binding again returns the grant it bought; the same
 * payment under another binding is refused.
 */
export type ProofBinding = `challenge:${string}` | `x402:${string}` | `tx:${string}`;

/** A sealed API challenge: its 128-bit id, which only the requester was given. */
export function challengeBinding(challengeId: string): ProofBinding {
  return `challenge:${challengeId}`;
}

/** An x402 authorization: the payer signed it, and its nonce is spent once on chain. */
export function x402Binding(network: string, token: string, from: string, nonce: string): ProofBinding {
  return `x402:${network}:${token.toLowerCase()}:${from.toLowerCase()}:${nonce.toLowerCase()}`;
}

/**
 * No binding at all: a transaction paying an owner's fixed wallet, accepted only where the resource
 * opted in to unbound proofs. Whoever presents the hash gets its grant (front-runnable by design).
 */
export function unboundTxBinding(network: string, txHash: string): ProofBinding {
  return `tx:${network}:${txHash}`;
}
