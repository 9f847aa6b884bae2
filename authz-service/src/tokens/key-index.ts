import type { JSONWebKeySet } from 'jose';
import { TOKEN_ALGORITHMS, TOKEN_KEY_TYPES } from './algorithms.js';

/** Which (kid, alg) pairs a key set can verify, answered without importing a key. */
export interface KeyIndex {
  holds(kid: string, alg: string): boolean;
}

export const NO_KEYS: KeyIndex = Object.freeze({ holds: () => false });

/**
 * Indexes a JWK set the way jose's JWK set picks a key for a token whose header names a `kid`:
 * same kid, the algorithm's key type and curve, `alg` absent or equal, `use` absent or `sig`,
 * `key_ops` absent or including `verify`. Only a hint for ordering candidates: a wrong answer
 * costs a wasted lookup or a later place in line, never a wrong verdict (jose decides).
 */
export function indexKeys(jwks: JSONWebKeySet): KeyIndex {
  const held = new Set<string>();
  for (const jwk of jwks.keys) {
    if (typeof jwk.kid !== 'string') continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
      continue;
    for (const alg of TOKEN_ALGORITHMS) {
      const { kty, crv } = TOKEN_KEY_TYPES[alg];
      if (jwk.kty === kty && jwk.crv === crv && (jwk.alg === undefined || jwk.alg === alg))
        held.add(`${alg} ${jwk.kid}`);
    }
  }
  return { holds: (kid, alg) => held.has(`${alg} ${kid}`) };
}
