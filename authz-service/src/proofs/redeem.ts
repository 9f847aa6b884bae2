import { REASONS, toWire, tokenCookieName, type SettleProof } from '@turnpike/protocol';
import type { Decision, DecisionLogger, ResolvedRequirement } from '../core/types.js';
import { dialectFor } from '../dialects/index.js';
import type { AuthzReason } from '../reasons.js';
import { PORTAL_RETRY_AFTER_SECONDS, type PortalClient } from '../portal/client.js';
import type { TokenChecker } from '../tokens/check.js';

function retryAfter(seconds: number | undefined): { retryAfterSeconds?: number } {
  return seconds === undefined ? {} : { retryAfterSeconds: seconds };
}

export interface ProofRedeemer {
  /** Settles the proof through the portal; on success, allows with the new token for the client. */
  redeem(
    requirement: ResolvedRequirement,
    proof: SettleProof,
    log: DecisionLogger,
    client?: { ip: string },
  ): Promise<Decision>;
  /** How long a redemption may take (it may wait for a chain). */
  readonly timeoutMs: number;
}

export interface ProofRedeemerOptions {
  portal: Pick<PortalClient, 'settle'>;
  tokens: TokenChecker;
  timeoutMs: number;
  now?: () => number;
}

/**
 * Redeems a payment proof on the request path. Order: the portal verifies and records the payment
 * and issues a token *before* the request reaches the upstream (a gateway's auth step never sees
 * the upstream's answer, so "settle only below 400" cannot be done here). The token is checked
 * like any other before it allows, and goes back to the client in `x-402-token`, a scoped
 * cookie and the proof's dialect's own receipt headers (x402's `PAYMENT-RESPONSE`, …).
 *
 * Nothing here remembers a verdict: the portal's ledger answers the same proof with the same
 * grant on every replica, so what a payer gets never depends on which process asked.
 */
export function createProofRedeemer(opts: ProofRedeemerOptions): ProofRedeemer {
  const now = opts.now ?? Date.now;
  return {
    timeoutMs: opts.timeoutMs,
    async redeem(r, proof, log, client) {
      // A transaction hash is bound to its requester by the challenge it was quoted for; without
      // one, only a resource that opted in takes it (anyone who saw the transfer could present it).
      if (proof.type === 'tx' && proof.challenge === undefined && r.request.unboundTxProofs !== true)
        return { kind: 'payment_required', reason: REASONS.PAYMENT_CHALLENGE_REQUIRED, requirement: r };
      let answer;
      try {
        answer = await opts.portal.settle({
          host: r.host,
          scheme: r.scheme,
          resource: r.request.claims.resource ?? r.path,
          originalUri: r.originalUri,
          request: toWire(r.request),
          proof,
          ...(client === undefined ? {} : { client }),
        });
      } catch (err) {
        log.warn(
          { err: { name: (err as Error).name, code: (err as { code?: unknown }).code } },
          'settle call failed',
        );
        return {
          kind: 'unavailable',
          reason: REASONS.PORTAL_UNAVAILABLE,
          retryAfterSeconds: PORTAL_RETRY_AFTER_SECONDS,
        };
      }
      if (!answer.ok) {
        // The portal's reason is passed on as it is: the settle schema already holds it to the
        // snake_case reason shape, and the portal adds reasons of its own (e.g. chain_unavailable).
        const reason = answer.reason as AuthzReason;
        log.info({ proof: proof.type, reason }, 'payment proof refused');
        if (reason === REASONS.PAYMENT_IDENTIFIER_CONFLICT) return { kind: 'conflict', reason };
        if (reason === REASONS.RATE_LIMITED)
          return {
            kind: 'rate_limited',
            reason,
            retryAfterSeconds: answer.retryAfterSeconds ?? PORTAL_RETRY_AFTER_SECONDS,
          };
        return {
          kind: 'payment_required',
          reason,
          requirement: r,
          ...retryAfter(answer.retryAfterSeconds),
        };
      }
      const verdict = await opts.tokens.check(
        { 'x-402-token': answer.token },
        {
          host: r.host,
          path: r.path,
          required: r.request.claims,
          ...(r.site === undefined ? {} : { site: r.site }),
        },
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
      Object.assign(responseHeaders, dialectFor(proof.type)?.receiptHeaders?.(proof, answer));
      log.info({ proof: proof.type, tokenId: verdict.identity.tokenId }, 'payment proof redeemed');
      return { kind: 'allow', identity: verdict.identity, responseHeaders };
    },
  };
}
