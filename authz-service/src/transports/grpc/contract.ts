import type { AllowDecision, DenyDecision, NeutralRequest, RenderedResponse } from '../../core/types.js';

/** The core's renderDenial bound to its deps (app.ts binds them): the full 402/403/503 response. */
export type RenderDenialFn = (decision: DenyDecision, req: NeutralRequest) => RenderedResponse | Promise<RenderedResponse>;

/**
 * Identity header values of an allow. Mirrors render's identityHeadersFor (claims as JSON);
 * swapped for it once render/ lands so both transports encode identically.
 */
export function identityHeadersOf(decision: AllowDecision): Record<string, string> {
  const { identity } = decision;
  return {
    'x-402-payer': identity.payer,
    'x-402-token-id': identity.tokenId,
    'x-402-claims': Object.keys(identity.claims).length === 0 ? '' : JSON.stringify(identity.claims),
    'x-402-scope': identity.scope,
  };
}
