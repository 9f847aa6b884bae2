import { createHash } from 'node:crypto';

/**
 * The `extra.memo` of an x402 `exact` Solana offer, derived from the requester's secret (the
 * `extra.challenge` of the same requirement). The payer signs a transaction carrying it, so the
 * transaction is bound to that secret: the portal credits it only to a presentation whose secret
 * hashes to the memo. The secret itself never goes on chain — only this digest — so nobody who
 * reads the landed transaction can present it as theirs. The x402 scheme makes the client put
 * `extra.memo` in its Memo instruction and the facilitator check it.
 */
export function x402SvmMemo(secret: string): string {
  return `turnpike:${createHash('sha256').update(secret).digest('base64url').slice(0, 32)}`;
}
