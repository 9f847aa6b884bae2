import type { IncomingMessage, ServerResponse } from 'node:http';

export interface CheckResult {
  ok: boolean;
  detail?: string;
}
export interface ReadinessReport {
  ok: boolean;
  checks: Record<string, CheckResult>;
}

export interface HealthOptions {
  /** Readiness: can this instance serve now (database reachable, keys loaded…)? */
  ready: () => Promise<ReadinessReport>;
  /** A readiness check that takes longer than this answers 503. Default 5000. */
  readyTimeoutMs?: number;
}

export const DEFAULT_READY_TIMEOUT_MS = 5_000;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/**
 * node:http handlers for `/healthz` (liveness: the process answers) and `/readyz` (readiness:
 * 200 when `ready()` says ok, else 503 with the failing checks; a throw or a timeout is 503).
 */
export function healthHandlers(opts: HealthOptions): {
  healthz: (req: IncomingMessage, res: ServerResponse) => void;
  readyz: (req: IncomingMessage, res: ServerResponse) => void;
} {
  const timeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  return {
    healthz: (_req, res) => send(res, 200, { ok: true }),
    readyz: (_req, res) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<ReadinessReport>((resolve) => {
        timer = setTimeout(
          () =>
            resolve({
              ok: false,
              checks: { ready: { ok: false, detail: `timed out after ${timeoutMs} ms` } },
            }),
          timeoutMs,
        );
      });
      Promise.race([opts.ready(), timeout])
        .catch((err: unknown): ReadinessReport => ({
          ok: false,
          checks: { ready: { ok: false, detail: err instanceof Error ? err.message : 'failed' } },
        }))
        .then((report) => {
          clearTimeout(timer);
          const ok = report.ok && Object.values(report.checks).every((c) => c.ok);
          send(res, ok ? 200 : 503, { ok, checks: report.checks });
        })
        .catch(() => undefined);
    },
  };
}
