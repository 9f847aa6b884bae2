import type { TokenClaims } from '@turnpike/protocol';
import type { Queryable } from '../storage/index.js';

/**
 * The invoices a token's payment was credited to: the one its `pay.invoice` names (pay page,
 * proofs), and the one whose grant it is (`token_jti`, e.g. a sign-in-with-x token re-issued for
 * an earlier payment).
 */
export async function invoicesOfToken(db: Queryable, claims: TokenClaims): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM invoices WHERE (id = $1 OR token_jti = $2) AND host = $3 ORDER BY created_at`,
    [claims.pay?.invoice ?? null, claims.jti, claims.aud],
  );
  return rows.map((r) => r.id);
}
