import type { CheckResult } from '@turnpike/protocol/service';
import { PortalError, type PortalClient } from './client.js';

/** How long one answer of the portal about the internal token is reused by `/readyz`. */
export const PORTAL_TOKEN_CHECK_CACHE_MS = 10_000;

export interface PortalTokenCheck {
  /** The readiness check: the cached verdict, or a fresh authenticated call when it is older. */
  check(): Promise<CheckResult>;
  /** False only while the last answer was the portal refusing the token (gRPC health; no I/O). */
  lastAccepted(): boolean;
}

/**
 * Checks `portal.token` against the portal with the cheapest authenticated call of its internal
 * API (`GET /internal/v1/payee`, answered from the portal's memory), at most once per
 * `cacheMs` whatever the probe rate (one call in flight at a time). Only the readiness endpoints
 * use it; the decision path never waits for it.
 *
 * - the portal answers: ready;
 * - the portal answers 401 or 403: **not ready** — every 402 this authorizer makes would need a
 *   portal call it cannot make (address leases, payee, settle), so it must leave the rotation;
 * - the portal cannot be reached (refused, timeout, 5xx, garbage): still ready, with the cause in
 *   `detail` — token holders keep passing while the portal is down (docs/authz-service.md).
 */
export function createPortalTokenCheck(opts: {
  portal: Pick<PortalClient, 'payee'>;
  cacheMs?: number;
  now?: () => number;
}): PortalTokenCheck {
  const cacheMs = opts.cacheMs ?? PORTAL_TOKEN_CHECK_CACHE_MS;
  const now = opts.now ?? Date.now;
  let cached: { result: CheckResult; at: number } | undefined;
  let inflight: Promise<CheckResult> | undefined;

  const ask = async (): Promise<CheckResult> => {
    try {
      await opts.portal.payee();
      return { ok: true };
    } catch (err) {
      if (err instanceof PortalError && (err.status === 401 || err.status === 403))
        return {
          ok: false,
          detail: `the portal refused the internal token (${err.status}): portal.token must equal the portal's listeners.internalToken`,
        };
      const code = err instanceof PortalError ? err.code : 'portal_unreachable';
      return {
        ok: true,
        detail: `the portal could not check the internal token (${code}); still ready: token holders are served without the portal`,
      };
    }
  };

  return {
    check() {
      if (cached !== undefined && now() - cached.at < cacheMs) return Promise.resolve(cached.result);
      inflight ??= ask()
        .then((result) => {
          cached = { result, at: now() };
          return result;
        })
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    },
    lastAccepted: () => cached?.result.ok !== false,
  };
}
