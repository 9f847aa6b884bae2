import type { Database } from '../../storage/index.js';

/**
 * One prepaid credit token with balance left, as the pricing area's `listOpenCreditBalances(db,
 * opts?)` (payment-portal/src/credits/list-open-balances.ts) returns it. The dashboard depends on
 * this shape only, so the source is injected (an empty list until it is wired).
 */
export interface OpenCreditBalance {
  tokenId: string;
  siteId: string;
  host: string;
  resource: string;
  model: string;
  /** Credits left and bought (integers; bigint, number or decimal string). */
  remaining: bigint | number | string;
  total: bigint | number | string;
  expiresAt: Date | string | null;
}

export type OpenCreditBalancesSource = (
  db: Database,
  opts?: { siteId?: string; limit?: number },
) => Promise<OpenCreditBalance[]>;

/** What the dashboard shows until the pricing area's source is wired: nothing. */
export const NO_CREDIT_BALANCES: OpenCreditBalancesSource = () => Promise.resolve([]);

/** A balance as JSON: integers as decimal strings, the expiry as ISO time. */
export interface OpenCreditBalanceJson {
  tokenId: string;
  siteId: string;
  host: string;
  resource: string;
  model: string;
  remaining: string;
  total: string;
  expiresAt: string | null;
}

export function creditBalanceJson(b: OpenCreditBalance): OpenCreditBalanceJson {
  const at = b.expiresAt === null ? null : new Date(b.expiresAt).toISOString();
  return {
    tokenId: b.tokenId,
    siteId: b.siteId,
    host: b.host,
    resource: b.resource,
    model: b.model,
    remaining: String(b.remaining),
    total: String(b.total),
    expiresAt: at,
  };
}
