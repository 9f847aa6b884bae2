/**
 * Reasons raised only by the gRPC transport. Same snake_case style as `REASONS` in
 * @turnpike/protocol, where they belong once merged.
 */
export const GRPC_REASONS = {
  /** The CheckRequest lacks attributes.request.http (or its method, path or host). */
  CHECK_REQUEST_INVALID: 'check_request_invalid',
  /** Same string as REASONS.INTERNAL_ERROR: the core threw, so the check is denied. */
  INTERNAL_ERROR: 'internal_error',
} as const;
