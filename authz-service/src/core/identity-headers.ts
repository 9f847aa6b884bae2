/**
 * Headers the gateway copies from an allow answer to the upstream request. Turnpike always sets
 * every one (empty when unknown) so a copy sent by the client is always overwritten.
 */
export const IDENTITY_HEADERS = ['x-402-payer', 'x-402-token-id', 'x-402-claims', 'x-402-scope'] as const;

export type IdentityHeader = (typeof IDENTITY_HEADERS)[number];
