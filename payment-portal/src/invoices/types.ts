/**
 * How an invoice was made: opened by a person on the pay page; recorded for an API 402 of a route
 * that accepts unbound transaction proofs; or written when a proof against a stateless challenge or
 * an x402 authorization was credited.
 */
export type InvoiceSource = 'pay_page' | 'challenge' | 'proof';

/** Invoice states, in the order a payment moves them (expired is the other end). */
export type InvoiceStatus = 'pending' | 'seen' | 'confirming' | 'paid' | 'redeemed' | 'expired';

export interface InvoiceOfferRecord {
  id: string;
  network: string;
  assetSymbol: string;
  assetKind: 'native' | 'erc20' | 'spl';
  /** Lower-case token contract (erc20) or mint (spl). */
  assetAddress: string | null;
  decimals: number;
  amountAtomic: bigint;
  /** EVM: the invoice's unique receive address; Solana: the owner's wallet (shared). */
  payTo: string;
  /** Solana Pay reference key binding payments to this offer (Solana only; null on EVM). */
  reference: string | null;
  receivedAtomic: bigint;
  confirmedAtomic: bigint;
}

export interface InvoiceRecord {
  id: string;
  host: string;
  scheme: 'http' | 'https';
  resource: string;
  originalUri: string;
  claims: Record<string, string>;
  tokenLifetimeMs: number;
  requestDigest: string;
  description: string | null;
  status: InvoiceStatus;
  createdAt: Date;
  expiresAt: Date;
  paidAt: Date | null;
  redeemedAt: Date | null;
  lateCredited: boolean;
  tokenJti: string | null;
  tokenExpiresAt: Date | null;
  customization: { css?: string; js?: string; image?: string };
  source: InvoiceSource;
  /** sha256 (hex) of the pay-page session secret; null for recorded challenges and proofs. */
  sessionHash: string | null;
  /** The site the invoice belongs to (docs/sites.md). */
  siteId: string;
  offers: InvoiceOfferRecord[];
}

/** Statuses in which an invoice may still change by payments arriving in time. */
export const OPEN_STATUSES: readonly InvoiceStatus[] = ['pending', 'seen', 'confirming'];

/** The asset key payments are recorded under: 'native', or the token contract / mint. */
export function paymentAssetKey(offer: Pick<InvoiceOfferRecord, 'assetKind' | 'assetAddress'>): string {
  return offer.assetKind === 'native' ? 'native' : (offer.assetAddress ?? '');
}
