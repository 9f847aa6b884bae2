import type { Reason } from './reasons.js';

/**
 * The one error class of the protocol package. `code` is a stable wire reason; `detail` is a
 * human-readable hint (never a secret, never parsed by code).
 */
export class ProtocolError extends Error {
  readonly code: Reason;
  readonly detail?: string;

  constructor(code: Reason, detail?: string, options?: { cause?: unknown }) {
    super(detail === undefined ? code : `${code}: ${detail}`, options);
    this.name = new.target.name;
    this.code = code;
    if (detail !== undefined) this.detail = detail;
  }
}

/** True when `err` is a ProtocolError (optionally with the given code). */
export function isProtocolError(err: unknown, code?: Reason): err is ProtocolError {
  return err instanceof ProtocolError && (code === undefined || err.code === code);
}
