import { REASONS, type Reason } from '@turnpike/protocol';

/** Every reason a decision can carry (all reasons live in `@turnpike/protocol`'s REASONS). */
export type AuthzReason = Reason;

/** One lookup table for the authorizer (the protocol's). */
export const AUTHZ_REASONS = REASONS;
