import { isProtocolError, normalizePath, type NetworkRegistry } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import { extractProof } from '../proofs/extract.js';
import type { ProofRedeemer } from '../proofs/redeem.js';
import { AUTHZ_REASONS, type AuthzReason } from '../reasons.js';
import type { RequirementResolver } from '../requirements/resolve.js';
import type { TokenChecker } from '../tokens/check.js';
import { FREE_IDENTITY } from './free-identity.js';
import type { Decide, Decision, NeutralRequest, ResolvedRequirement } from './types.js';

export interface DeciderDeps {
  requirements: RequirementResolver;
  tokens: TokenChecker;
  /** A decision slower than this is `unavailable` (decision_timeout). */
  timeoutMs: number;
  /** Payment proofs on the request path (x-payment-tx, PAYMENT-SIGNATURE, X-PAYMENT); absent = ignored. */
  proofs?: { redeemer: ProofRedeemer; registry: NetworkRegistry };
}

const FREE: Decision = { kind: 'allow', identity: FREE_IDENTITY };

/** A timer that can be pushed back (a proof redemption may take longer than a plain decision). */
interface Deadline {
  extend(ms: number): void;
}

/**
 * Builds the decision function: normalise the target once, find what the resource requires
 * (static route, then the upstream's own declaration), then check the request's tokens against
 * it; without a valid token, a payment proof sent with the request is redeemed through the
 * portal. Anything thrown, and anything slower than its time budget, is `unavailable`: never an
 * allow.
 */
export function createDecider(deps: DeciderDeps): Decide {
  const decideUnguarded = async (req: NeutralRequest, log: Logger, deadline: Deadline): Promise<Decision> => {
    let path: string;
    let query: string;
    try {
      ({ path, query } = normalizePath(req.target));
    } catch (err) {
      if (isProtocolError(err)) return { kind: 'forbidden', reason: err.code };
      throw err;
    }
    const resolved = await deps.requirements.resolve(req, path, log);
    if (resolved.kind === 'free') return FREE;
    if (resolved.kind === 'deny') return { kind: resolved.decision, reason: resolved.reason };

    const verdict = await deps.tokens.check(req.headers, { host: req.host, path, required: resolved.request.claims });
    if (verdict.ok) return { kind: 'allow', identity: verdict.identity };
    if (verdict.unavailable === true) return unavailable(verdict.reason);

    const requirement: ResolvedRequirement = {
      host: req.host,
      scheme: req.scheme,
      path,
      query,
      originalUri: query === '' ? path : `${path}?${query}`,
      request: resolved.request,
      source: resolved.source,
      ...(resolved.routeName === undefined ? {} : { routeName: resolved.routeName }),
    };
    if (deps.proofs !== undefined) {
      const proof = extractProof(req.headers, deps.proofs.registry);
      if (proof.kind === 'invalid') return { kind: 'payment_required', reason: proof.reason, requirement };
      if (proof.kind === 'proof') {
        deadline.extend(deps.proofs.redeemer.timeoutMs);
        return deps.proofs.redeemer.redeem(requirement, proof.proof, log);
      }
    }
    return { kind: 'payment_required', reason: verdict.reason, requirement };
  };

  return async (req, log) => {
    let timer: NodeJS.Timeout | undefined;
    let expire!: () => void;
    const timeout = new Promise<Decision>((resolve) => {
      expire = () => resolve(unavailable(AUTHZ_REASONS.DECISION_TIMEOUT));
      timer = setTimeout(expire, deps.timeoutMs);
    });
    const deadline: Deadline = {
      extend(ms) {
        clearTimeout(timer);
        timer = setTimeout(expire, ms);
      },
    };
    try {
      return await Promise.race([decideUnguarded(req, log, deadline), timeout]);
    } catch (err) {
      log.error({ err: errorSummary(err) }, 'decision failed; denying');
      return unavailable(AUTHZ_REASONS.INTERNAL_ERROR);
    } finally {
      clearTimeout(timer);
    }
  };
}

function unavailable(reason: AuthzReason): Decision {
  return { kind: 'unavailable', reason };
}

/** Logs what failed without dumping request data (which may hold tokens). */
function errorSummary(err: unknown): { name: string; code?: string; message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'non-error', message: String(err) };
}
