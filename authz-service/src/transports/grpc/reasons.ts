import { REASONS } from '@turnpike/protocol';

/** The reasons the gRPC transport raises itself (defined, like all reasons, in protocol). */
export const GRPC_REASONS = {
  /** The CheckRequest lacks attributes.request.http (or its method, path or host). */
  CHECK_REQUEST_INVALID: REASONS.CHECK_REQUEST_INVALID,
  /** The core threw, so the check is denied. */
  INTERNAL_ERROR: REASONS.INTERNAL_ERROR,
} as const;
