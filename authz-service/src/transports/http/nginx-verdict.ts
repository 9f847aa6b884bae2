import { isReason } from '@turnpike/protocol';
import type { DenyDecision } from '../../core/types.js';

/** The request headers that carry a payment proof (never redeemed by the challenge endpoint). */
export { PROOF_HEADERS } from '../../core/proof-headers.js';

/** What the auth subrequest decided, as the challenge endpoint needs it to render the same answer. */
export type Verdict = {
  kind: DenyDecision['kind'];
  reason: DenyDecision['reason'];
  retryAfterSeconds?: number;
};

const VERDICT =
  /^(payment_required|forbidden|unavailable|rate_limited|conflict|bad_request) ([a-z][a-z0-9_]{0,63})(?: ([0-9]{1,6}))?$/;

/** `X-402-Verdict` of a denial: `<kind> <reason>[ <retry-after seconds>]`. */
export function verdictHeader(d: DenyDecision): string {
  const retry =
    d.kind === 'forbidden' || d.kind === 'conflict' || d.kind === 'bad_request'
      ? undefined
      : d.retryAfterSeconds;
  return retry === undefined ? `${d.kind} ${d.reason}` : `${d.kind} ${d.reason} ${retry}`;
}

/**
 * The verdict NGINX passed on from the auth subrequest (`proxy_set_header X-402-Verdict`), or
 * undefined when absent or not one. A client cannot forge one past the shipped config (it sets the
 * header); and even a forged verdict only chooses which refusal the client itself sees — the
 * challenge endpoint never allows on it.
 */
export function verdictOf(value: string | string[] | undefined): Verdict | undefined {
  if (typeof value !== 'string') return undefined;
  const m = VERDICT.exec(value.trim());
  if (m === null || !isReason(m[2])) return undefined;
  return {
    kind: m[1] as Verdict['kind'],
    reason: m[2],
    ...(m[3] === undefined ? {} : { retryAfterSeconds: Number(m[3]) }),
  };
}

/**
 * A verdict that renders as it is (403, 409, 429, 503); undefined for a payment verdict, which is
 * rendered from a fresh decision (it needs the requirement) with the verdict's reason.
 */
export function verdictDecision(v: Verdict): Exclude<DenyDecision, { kind: 'payment_required' }> | undefined {
  switch (v.kind) {
    case 'forbidden':
      return { kind: 'forbidden', reason: v.reason };
    case 'conflict':
      return { kind: 'conflict', reason: v.reason };
    case 'bad_request':
      return { kind: 'bad_request', reason: v.reason };
    case 'rate_limited':
      return { kind: 'rate_limited', reason: v.reason, retryAfterSeconds: v.retryAfterSeconds ?? 5 };
    case 'unavailable':
      return {
        kind: 'unavailable',
        reason: v.reason,
        ...(v.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: v.retryAfterSeconds }),
      };
    case 'payment_required':
      return undefined;
  }
}
