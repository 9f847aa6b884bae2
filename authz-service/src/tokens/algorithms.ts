/** Algorithms a token may be signed with; anything else (none, HS*, RS*) is refused. */
export const TOKEN_ALGORITHMS = ['ES256', 'EdDSA'] as const;
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

/**
 * The public key each algorithm needs, as jose's JWK set selects it (`EdDSA` is Ed25519 in jose 6).
 * Both sign with 64 bytes: ES256 is r‖s of 32 bytes each (JWS form), Ed25519 a 64-byte signature.
 */
export const TOKEN_KEY_TYPES: Readonly<Record<TokenAlgorithm, { kty: string; crv: string }>> = {
  ES256: { kty: 'EC', crv: 'P-256' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
};

/** Length of a 64-byte signature in base64url without padding. */
export const TOKEN_SIGNATURE_CHARS = 86;

export function isTokenAlgorithm(alg: unknown): alg is TokenAlgorithm {
  return alg === 'ES256' || alg === 'EdDSA';
}
