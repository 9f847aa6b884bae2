import type { Reason } from '@turnpike/protocol';
import type { PortalReason } from './reasons.js';

/** A portal refusal with a stable wire reason and the HTTP status it maps to. */
export class PortalError extends Error {
  readonly code: Reason | PortalReason;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: Reason | PortalReason,
    status: number,
    message?: string,
    opts: { retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message ?? code, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PortalError';
    this.code = code;
    this.status = status;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}
