import type { Grant, ProofBinding } from '../../ledger/index.js';

const settlements = new WeakMap<object, Map<ProofBinding, Promise<Grant>>>();

/**
 * The x402 settlements under way in this process for one portal (keyed by its database handle),
 * by binding: a copy of an authorization that is being settled waits for that settlement instead
 * of starting another (which could only find the nonce spent). Other replicas are not seen here;
 * the relayer's lane and the ledger's unique binding cover them.
 */
export function settlementsInProcess(db: object): {
  get(binding: ProofBinding): Promise<Grant> | undefined;
  start(binding: ProofBinding, run: () => Promise<Grant>): Promise<Grant>;
} {
  let pending = settlements.get(db);
  if (pending === undefined) settlements.set(db, (pending = new Map()));
  const map = pending;
  return {
    get: (binding) => map.get(binding),
    start(binding, run) {
      const settling = run().finally(() => map.delete(binding));
      map.set(binding, settling);
      return settling;
    },
  };
}
