import type { DenyDecision, NeutralRequest, RenderedResponse } from '../../core/types.js';

/** The core's renderDenial bound to its deps (app.ts binds them): the full 402/403/503 response. */
export type RenderDenialFn = (
  decision: DenyDecision,
  req: NeutralRequest,
) => RenderedResponse | Promise<RenderedResponse>;
