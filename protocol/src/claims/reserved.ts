/**
 * Claims the portal sets itself; a payment request may not require them. `pay` is reserved too:
 * it is the payment object in every token and could never equal a required string. `site` is the
 * site the portal issued the token for (docs/sites.md); `meter` names the price model of a metered
 * token (docs/credits.md): both set by the portal, never required.
 */
export const RESERVED_CLAIMS = ['iss', 'sub', 'exp', 'iat', 'nbf', 'jti', 'pay', 'site', 'meter'] as const;
export type ReservedClaim = (typeof RESERVED_CLAIMS)[number];
