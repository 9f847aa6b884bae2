import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseReportedUsage, REASONS } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import { z } from 'zod';
import type { UsageOutcome, UsageReporter } from '../../credits/usage-report.js';
import type { AuthzMetrics } from '../../metrics.js';
import { readJsonBody } from './read-json-body.js';

const MAX_BODY_BYTES = 16 * 1024;

/** The body of `POST /v1/usage`: the allowed request, the token it spent, and the upstream's figure. */
const usageBodySchema = z.strictObject({
  tokenId: z.string().min(1).max(128),
  method: z.string().regex(/^[A-Z]{1,16}$/),
  host: z.string().min(1).max(261),
  uri: z.string().startsWith('/').max(8192),
  /** The upstream's `x-402-usage` as it came (parsed strictly here). */
  reported: z.string().max(32),
});

export interface UsageHandlerDeps {
  /** The revealed bearer secret the gateway presents (`usage.token`). */
  token: string;
  report: UsageReporter;
  logger: Logger;
  metrics: Pick<AuthzMetrics, 'usageReports' | 'usageCredits'>;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...(typeof body['reason'] === 'string' ? { 'x-402-reason': body['reason'] } : {}),
  });
  res.end(text);
}

/** The answer to a report: its amounts as decimal strings, and whether the balance is now spent. */
function answerOf(
  outcome: Exclude<UsageOutcome, { kind: 'invalid' | 'not_metered' }>,
): Record<string, unknown> {
  return {
    outcome: outcome.kind,
    cost: outcome.cost.toString(),
    reported: outcome.reported.toString(),
    extra: outcome.extra.toString(),
    debited: outcome.debited.toString(),
    exhausted: outcome.kind === 'capped',
    ...(outcome.kind === 'capped' ? { short: outcome.short.toString() } : {}),
    ...(outcome.kind === 'unbilled' ? { unbilled: outcome.unbilled.toString(), reason: outcome.reason } : {}),
  };
}

/**
 * `POST /v1/usage` with `Authorization: Bearer <usage.token>`: a gateway that saw the upstream's
 * answer reports its `x-402-usage` (docs/credits.md, "Usage"). 200 billed or capped (the balance
 * ran out: `exhausted: true`), 400 `usage_report_invalid`, 401 `usage_report_unauthorized`, 409
 * `usage_not_metered`, 503 `usage_unbilled`. Nothing is debited but through the credit meter.
 */
export function usageHandler(deps: UsageHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const expected = digest(`Bearer ${deps.token}`);
  const count = (outcome: string) => deps.metrics.usageReports.labels(outcome).inc();
  return (req, res) => {
    if (req.method !== 'POST') {
      req.resume();
      return send(res, 405, { error: 'method_not_allowed' });
    }
    if (!timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      req.resume();
      count('unauthorized');
      return send(res, 401, { error: 'unauthorized', reason: REASONS.USAGE_REPORT_UNAUTHORIZED });
    }
    readJsonBody(req, { maxBytes: MAX_BODY_BYTES, drain: true }, (body) => {
      if (body.kind === 'too_large') {
        count('invalid');
        // The caller is the authenticated gateway: the rest is read and dropped, not reset, so the
        // 413 reaches it.
        return send(res, 413, { error: 'body_too_large', reason: REASONS.USAGE_REPORT_INVALID });
      }
      const json = body.kind === 'json' ? body.value : undefined;
      const parsed = usageBodySchema.safeParse(json);
      const reported = parsed.success ? parseReportedUsage(parsed.data.reported) : undefined;
      if (!parsed.success || reported === undefined) {
        count('invalid');
        deps.logger.info({ reason: REASONS.USAGE_REPORT_INVALID }, 'usage report refused; nothing debited');
        return send(res, 400, { error: 'invalid', reason: REASONS.USAGE_REPORT_INVALID });
      }
      const { tokenId, method, host, uri } = parsed.data;
      deps
        .report({ tokenId, method, host: host.toLowerCase(), uri, reported }, deps.logger)
        .then((outcome) => respond(deps, res, outcome, count))
        .catch((err: unknown) => {
          count('unbilled');
          deps.logger.error({ err: { name: (err as Error)?.name } }, 'usage report failed; not billed');
          send(res, 503, { error: 'unbilled', reason: REASONS.USAGE_UNBILLED });
        });
    });
  };
}

function respond(
  deps: UsageHandlerDeps,
  res: ServerResponse,
  outcome: UsageOutcome,
  count: (outcome: string) => void,
): void {
  count(outcome.kind);
  switch (outcome.kind) {
    case 'invalid':
      return send(res, 400, { error: 'invalid', reason: outcome.reason });
    case 'not_metered':
      deps.logger.info(
        { reason: outcome.reason },
        'usage report for a resource without usage; nothing debited',
      );
      return send(res, 409, { error: 'not_metered', reason: outcome.reason });
    case 'billed':
    case 'capped':
    case 'unbilled': {
      if (outcome.debited > 0n) deps.metrics.usageCredits.labels('debited').inc(Number(outcome.debited));
      if (outcome.kind === 'capped') {
        deps.metrics.usageCredits.labels('short').inc(Number(outcome.short));
        deps.logger.info(
          { outcome: 'capped', reported: String(outcome.reported), short: String(outcome.short) },
          'usage above the balance: took what was left, the balance is spent',
        );
      }
      if (outcome.kind === 'unbilled') {
        deps.metrics.usageCredits.labels('unbilled').inc(Number(outcome.unbilled));
        deps.logger.warn(
          { outcome: 'unbilled', reason: outcome.reason, unbilled: String(outcome.unbilled) },
          'usage extra not debited: the portal could not be reached',
        );
        return send(res, 503, { error: 'unbilled', ...answerOf(outcome) });
      }
      return send(res, 200, answerOf(outcome));
    }
  }
}
