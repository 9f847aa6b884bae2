/** What the authorizer said about one usage report (or that it could not be asked). */
export type UsageReportResult =
  | {
      kind: 'answered';
      /** 200 billed or capped, 400 invalid, 401 wrong secret, 409 not a usage resource, 503 unbilled. */
      status: number;
      /** The authorizer's JSON answer (`outcome`, `debited`, `exhausted`, `reason`…), {} if none. */
      body: Record<string, unknown>;
    }
  | { kind: 'failed'; error: string };

export interface UsageReportBody {
  tokenId: string;
  method: string;
  host: string;
  uri: string;
  /** The upstream's header value as it came; the authorizer parses it strictly. */
  reported: string;
}

export interface ReportUsageOptions {
  authzUrl: string;
  /** The authorizer's `usage.token`. */
  token: string;
  timeoutMs: number;
}

// Far above any valid figure (at most 19 digits): the authorizer refuses it, the body stays small.
const MAX_REPORTED_CHARS = 64;
const MAX_ANSWER_BYTES = 16 * 1024;

/**
 * `POST /v1/usage` on the authorizer with the gateway's bearer secret, within `timeoutMs`. Never
 * throws: an unreachable or slow authorizer is a `failed` result (the usage is then not billed).
 */
export async function reportUsage(
  body: UsageReportBody,
  opts: ReportUsageOptions,
): Promise<UsageReportResult> {
  try {
    const res = await fetch(new URL('/v1/usage', opts.authzUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, reported: body.reported.slice(0, MAX_REPORTED_CHARS) }),
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = {};
    try {
      parsed = text.length > MAX_ANSWER_BYTES ? {} : JSON.parse(text);
    } catch {
      parsed = {};
    }
    const answer =
      parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : {};
    return { kind: 'answered', status: res.status, body: answer };
  } catch (err) {
    return { kind: 'failed', error: err instanceof Error ? err.name : 'error' };
  }
}
