/**
 * Claims the portal sets itself; a payment request may not require them. `pay` is reserved too:
 * it is the payment object in every token and could never equal a required string.
 */
export const RESERVED_CLAIMS = ['iss', 'sub', 'exp', 'iat', 'nbf', 'jti', 'pay'] as const;
export type ReservedClaim = (typeof RESERVED_CLAIMS)[number];
