import { encodeX402Header, REASONS, toWire, tokenCookieName, type SettleProof } from '@turnpike/protocol';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Decision, DecisionLogger, ResolvedRequirement } from '../core/types.js';
import type { AuthzReason } from '../reasons.js';
import type { PortalClient } from '../portal/client.js';
import type { TokenChecker } from '../tokens/check.js';

/** How long a refused proof's answer is reused (capped by the portal's Retry-After). */
const REFUSAL_MEMO_SECONDS = 10;
const REFUSAL_MEMO_MAX_ENTRIES = 10_000;

function proofKey(proof: SettleProof): string {
  if (proof.type === 'tx') return `tx\n${proof.network}\n${proof.tx}\n${proof.challenge ?? ''}`;
  return `x402\n${proof.version}\n${createHash('sha256').update(JSON.stringify(proof.payload)).digest('hex')}`;
}

function retryAfter(seconds: number | undefined): { retryAfterSeconds?: number } {
  return seconds === undefined ? {} : { retryAfterSeconds: seconds };
}

export interface ProofRedeemer {
  /** Settles the proof through the portal; on success, allows with the new token for the client. */
  redeem(requirement: ResolvedRequirement, proof: SettleProof, log: DecisionLogger): Promise<Decision>;
  /** How long a redemption may take (it may wait for a chain). */
  readonly timeoutMs: number;
}

export interface ProofRedeemerOptions {
  portal: PortalClient;
  tokens: TokenChecker;
  timeoutMs: number;
  now?: () => number;
}

/**
 * Redeems a payment proof on the request path. Order: the portal verifies and records the payment
 * and issues a token *before* the request reaches the upstream (a gateway's auth step never sees
 * the upstream's answer, so "settle only below 400" cannot be done here). The token is checked
 * like any other before it allows, and goes back to the client in `x-402-token`, a scoped
 * cookie and — for x402 — the receipt in `PAYMENT-RESPONSE` / `X-PAYMENT-RESPONSE`.
 */
export function createProofRedeemer(opts: ProofRedeemerOptions): ProofRedeemer {
  const now = opts.now ?? Date.now;
  // A refusal is remembered briefly per (resource, proof): NGINX asks again from its challenge
  // route right after the 401, and clients retry a pending proof; neither should cost a second
  // settle call. Successes are never remembered (each one is a credited payment).
  const refusals = new LRUCache<string, { reason: AuthzReason; retryAfterSeconds?: number }>({
    max: REFUSAL_MEMO_MAX_ENTRIES,
  });
  return {
    timeoutMs: opts.timeoutMs,
    async redeem(r, proof, log) {
      const key = `${r.host}\n${r.path}\n${proofKey(proof)}`;
      const known = refusals.get(key);
      if (known !== undefined)
        return {
          kind: 'payment_required',
          reason: known.reason,
          requirement: r,
          ...retryAfter(known.retryAfterSeconds),
        };
      let answer;
      try {
        answer = await opts.portal.settle({
          host: r.host,
          scheme: r.scheme,
          resource: r.request.claims.resource ?? r.path,
          originalUri: r.originalUri,
          request: toWire(r.request),
          proof,
        });
      } catch (err) {
        log.warn(
          { err: { name: (err as Error).name, code: (err as { code?: unknown }).code } },
          'settle call failed',
        );
        return { kind: 'unavailable', reason: REASONS.PORTAL_UNAVAILABLE };
      }
      if (!answer.ok) {
        // The portal's reason is passed on as it is: the settle schema already holds it to the
        // snake_case reason shape, and the portal adds reasons of its own (e.g. chain_unavailable).
        const reason = answer.reason as AuthzReason;
        log.info({ proof: proof.type, reason }, 'payment proof refused');
        const memoSeconds = Math.min(answer.retryAfterSeconds ?? REFUSAL_MEMO_SECONDS, REFUSAL_MEMO_SECONDS);
        if (memoSeconds > 0) {
          refusals.set(key, { reason, ...retryAfter(answer.retryAfterSeconds) }, { ttl: memoSeconds * 1000 });
        }
        return {
          kind: 'payment_required',
          reason,
          requirement: r,
          ...retryAfter(answer.retryAfterSeconds),
        };
      }
      const verdict = await opts.tokens.check(
        { 'x-402-token': answer.token },
        { host: r.host, path: r.path, required: r.request.claims },
      );
      if (!verdict.ok) {
        // The payment is recorded but the token does not open this resource: never allow on it.
        log.error({ reason: verdict.reason }, 'token issued after settlement does not verify');
        return { kind: 'unavailable', reason: REASONS.INTERNAL_ERROR };
      }
      const scope = verdict.identity.scope;
      const exp = typeof answer.claims.exp === 'number' ? answer.claims.exp : undefined;
      const maxAge =
        exp === undefined
          ? Math.floor(r.request.tokenLifetimeMs / 1000)
          : Math.max(0, Math.floor(exp - now() / 1000));
      const responseHeaders: Record<string, string | string[]> = {
        'x-402-token': answer.token,
        'set-cookie': [
          `${tokenCookieName(scope)}=${answer.token}; Path=${scope}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${r.scheme === 'https' ? '; Secure' : ''}`,
        ],
      };
      if (proof.type === 'x402' && answer.receipt !== undefined) {
        responseHeaders[proof.version === 2 ? 'payment-response' : 'x-payment-response'] = encodeX402Header(
          answer.receipt,
        );
      }
      log.info({ proof: proof.type, tokenId: verdict.identity.tokenId }, 'payment proof redeemed');
      return { kind: 'allow', identity: verdict.identity, responseHeaders };
    },
  };
}
