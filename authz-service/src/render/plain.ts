import type { RenderedResponse } from '../core/types.js';
import { refusalPage } from './html.js';

/** Retry-After of a 429 or 503 that did not say how long. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * A refusal that is not a 402 (403, 429, 503), as a page for browsers or JSON for programs, with
 * its reason in `X-402-Reason` and, for 429 and 503, a `Retry-After`.
 */
export function plain(
  html: boolean,
  status: number,
  error: string,
  reason: string,
  message: string,
  retryAfterSeconds?: number,
): RenderedResponse {
  const headers: Record<string, string> = {
    'content-type': html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-402-reason': reason,
  };
  if (status === 429 || status === 503)
    headers['retry-after'] = String(retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS);
  const body = html ? refusalPage({ status, message, reason }) : JSON.stringify({ error, reason, message });
  return { status, headers, body };
}
