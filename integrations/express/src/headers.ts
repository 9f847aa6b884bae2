/**
 * Header names of the forward-auth contract (authz-service `GET /v1/forward-auth`). They are the
 * wire contract, repeated here so this package needs only Node and Express, not the authorizer.
 */

/** Identity headers the authorizer sets on an allow; the upstream trusts only Turnpike's copies. */
export const IDENTITY_HEADERS = ['x-402-payer', 'x-402-token-id', 'x-402-claims', 'x-402-scope'] as const;

/**
 * Request headers only the gateway sets (identity, X-Forwarded-*, X-Real-IP): every client copy, in any case
 * and with `_` for `-`, is removed, and a Connection token never removes the gateway's.
 */
export const GATEWAY_SET_HEADERS: ReadonlySet<string> = new Set([
  ...IDENTITY_HEADERS,
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
]);

/** Client request headers the authorizer reads (credentials, payment proofs, content negotiation). */
export const CLIENT_HEADERS_FOR_AUTHZ = [
  'cookie',
  'authorization',
  'accept',
  'user-agent',
  'x-402-token',
  'x-payment-chain',
  'x-payment-tx',
  'x-payment-challenge',
  'payment-signature',
  'x-payment',
  'sign-in-with-x',
] as const;

/** Headers of an allow answer meant for the client (a new token, the x402 receipt). */
export const CLIENT_RESPONSE_HEADERS = [
  'x-402-token',
  'set-cookie',
  'payment-response',
  'x-payment-response',
  'payment-receipt',
  'access-control-expose-headers',
] as const;

/** Connection-level headers a proxy never forwards (RFC 9110 §7.6.1). */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The response header an upstream reports a metered request's real cost in (credits): reported to
 * the authorizer when the gateway has `usage` configured, and never passed on to the client.
 */
export const USAGE_HEADER = 'x-402-usage';
