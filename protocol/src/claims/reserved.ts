/**
 * Claims the portal sets itself; a payment request may not require them. `pay` is reserved too:
 * it is the payment object in every token and could never equal a required string. `site` is the
 * site the portal issued the token for (docs/sites.md).
 */
export const RESERVED_CLAIMS = ['iss', 'sub', 'exp', 'iat', 'nbf', 'jti', 'pay', 'site'] as const;
export type ReservedClaim = (typeof RESERVED_CLAIMS)[number];
