import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@turnpike/protocol/service';
import type {
  Decide,
  Decider,
  Decision,
  DecisionLogger,
  DenyDecision,
  NeutralRequest,
  RenderedResponse,
  Transport,
} from '../../core/types.js';
import type { AuthzMetrics } from '../../metrics.js';
import type { AuthzReason } from '../../reasons.js';
import { LazyRequestLog } from './lazy-log.js';

/** What every HTTP adapter needs: the core, the renderer bound to its deps, logging and metrics. */
export interface TransportDeps {
  /** The core; with `decideCached` (createDecider's), cached decisions are answered in the same tick. */
  decide: Decide & Partial<Pick<Decider, 'decideCached'>>;
  /** Synchronous when the answer needs no I/O. */
  render: (decision: DenyDecision, req: NeutralRequest) => RenderedResponse | Promise<RenderedResponse>;
  logger: Logger;
  metrics: AuthzMetrics;
}

/** Runs the core for one request and records the decision's metrics and log line. */
export async function decideAndRecord(
  deps: TransportDeps,
  transport: Transport,
  neutral: NeutralRequest,
  log: LazyRequestLog,
): Promise<Decision> {
  const started = performance.now();
  const decision = await deps.decide(neutral, log);
  record(deps, transport, decision, started, log);
  return decision;
}

/**
 * The decision, synchronously when the core can answer from its caches (no promise, no
 * microtask), else a promise; recorded either way.
 */
export function decideNow(
  deps: TransportDeps,
  transport: Transport,
  neutral: NeutralRequest,
  log: LazyRequestLog,
): Decision | Promise<Decision> {
  const started = performance.now();
  const cached = deps.decide.decideCached?.(neutral, log);
  if (cached === undefined) return decideAndRecord(deps, transport, neutral, log);
  record(deps, transport, cached, started, log);
  return cached;
}

/**
 * What a memo hit records (allow-memo.ts): the decision metrics a decided allow records, bound
 * once; a debug line only when debug logging is on.
 */
export function memoHitRecorder(deps: TransportDeps, transport: Transport): (startedMs: number) => void {
  const allows = deps.metrics.decisions.labels('allow', transport, '');
  const seconds = deps.metrics.decisionSeconds.labels(transport);
  return (started) => {
    allows.inc();
    seconds.observe((performance.now() - started) / 1000);
    if (deps.logger.isLevelEnabled('debug'))
      deps.logger.debug({ transport, outcome: 'allow', reason: '', memo: true }, 'decision');
  };
}

/** Records a refusal made before the core ran (bad original-request headers). */
export function recordEarlyDenial(
  deps: TransportDeps,
  transport: Transport,
  reason: AuthzReason,
  log: LazyRequestLog,
): Decision {
  const decision: Decision = { kind: 'forbidden', reason };
  record(deps, transport, decision, performance.now(), log);
  return decision;
}

function record(
  deps: TransportDeps,
  transport: Transport,
  decision: Decision,
  started: number,
  log: LazyRequestLog,
): void {
  const reason = decision.kind === 'allow' ? '' : decision.reason;
  deps.metrics.decisions.labels(decision.kind, transport, reason).inc();
  deps.metrics.decisionSeconds.labels(transport).observe((performance.now() - started) / 1000);
  if (
    decision.kind === 'forbidden' ||
    decision.kind === 'unavailable' ||
    decision.kind === 'rate_limited' ||
    decision.kind === 'conflict' ||
    decision.kind === 'bad_request'
  )
    log.info({ transport, outcome: decision.kind, reason }, 'request refused');
  else if (log.isLevelEnabled('debug')) log.debug({ transport, outcome: decision.kind, reason }, 'decision');
}

/** A request-scoped logger bound to x-request-id on first use (never logs headers: they hold tokens). */
export function logFor(deps: TransportDeps, req: IncomingMessage): LazyRequestLog {
  return new LazyRequestLog(deps.logger, req.headers);
}

/**
 * Last resort when a handler throws after all: deny with a bodyless answer (never allow) — 503 by
 * default, 403 for NGINX (which would turn a 503 into its own 500).
 */
export function failClosed(res: ServerResponse, log: DecisionLogger, err: unknown, status = 503): void {
  log.error(
    { err: { name: (err as Error)?.name, message: (err as Error)?.message } },
    'handler failed; denying',
  );
  if (!res.headersSent) {
    res.writeHead(status, {
      'content-length': '0',
      'cache-control': 'no-store',
      'x-402-reason': 'internal_error',
    });
  }
  res.end();
}
