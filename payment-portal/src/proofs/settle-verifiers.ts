import type { SettleRequest, SettleResponse } from '@turnpike/protocol';
import type { PortalContext } from '../context.js';

/** Verifies one kind of payment proof and, on success, issues the token. */
export type SettleVerifier = (request: SettleRequest, ctx: PortalContext) => Promise<SettleResponse>;

/** Verifiers keyed by proof type ('tx', 'x402'). */
export type SettleVerifiers = Map<SettleRequest['proof']['type'], SettleVerifier>;
