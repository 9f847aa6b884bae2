import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestContext, type Logger } from '@turnpike/protocol/service';
import type { Decide, Decision, DenyDecision, NeutralRequest, RenderedResponse, Transport } from '../../core/types.js';
import type { AuthzMetrics } from '../../metrics.js';
import type { AuthzReason } from '../../reasons.js';

/** What every HTTP adapter needs: the core, the renderer bound to its deps, logging and metrics. */
export interface TransportDeps {
  decide: Decide;
  render: (decision: DenyDecision, req: NeutralRequest) => Promise<RenderedResponse>;
  logger: Logger;
  metrics: AuthzMetrics;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, query: string) => void;

/** Runs the core for one request and records the decision's metrics and log line. */
export async function decideAndRecord(deps: TransportDeps, transport: Transport, neutral: NeutralRequest, log: Logger): Promise<Decision> {
  const started = performance.now();
  const decision = await deps.decide(neutral, log);
  record(deps, transport, decision, started, log);
  return decision;
}

/** Records a refusal made before the core ran (bad original-request headers). */
export function recordEarlyDenial(deps: TransportDeps, transport: Transport, reason: AuthzReason, log: Logger): Decision {
  const decision: Decision = { kind: 'forbidden', reason };
  record(deps, transport, decision, performance.now(), log);
  return decision;
}

function record(deps: TransportDeps, transport: Transport, decision: Decision, started: number, log: Logger): void {
  const reason = decision.kind === 'allow' ? '' : decision.reason;
  deps.metrics.decisions.inc({ outcome: decision.kind, transport, reason });
  deps.metrics.decisionSeconds.observe({ transport }, (performance.now() - started) / 1000);
  if (decision.kind === 'forbidden' || decision.kind === 'unavailable') log.info({ transport, outcome: decision.kind, reason }, 'request refused');
  else if (log.isLevelEnabled('debug')) log.debug({ transport, outcome: decision.kind, reason }, 'decision');
}

/** A request-scoped logger bound to x-request-id (never logs headers: they hold tokens). */
export function logFor(deps: TransportDeps, req: IncomingMessage): Logger {
  return requestContext(deps.logger, req.headers).log;
}

/** Last resort when a handler throws after all: deny with a bodyless 503 (never allow). */
export function failClosed(res: ServerResponse, log: Logger, err: unknown): void {
  log.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message } }, 'handler failed; denying');
  if (!res.headersSent) {
    res.writeHead(503, { 'content-length': '0', 'cache-control': 'no-store', 'x-402-reason': 'internal_error' });
  }
  res.end();
}
