import type { NetworkRegistry } from '@turnpike/protocol';
import { ADDRESS_BRANCH } from '../addresses/xpub-deriver.js';
import { assetIdsFor } from '../admin/reports/asset-filter.js';
import { explorerTxUrl, ledgerAmount, type LedgerAmount } from '../admin/reports/ledger-amount.js';
import { DEFAULT_LATE_GRACE_MS } from '../config/schema.js';
import type { Queryable } from '../storage/index.js';

/**
 * Why money is owed back:
 * - `overpaid`: the invoice was credited, and this offer received more than it asked (the refund
 *   is the difference) or, when another offer of the invoice paid it, anything at all (the whole);
 * - `expired_unpaid`: the invoice expired without being credited (never unlocked: underpaid in
 *   time, or paid after its late grace); everything confirmed to it goes back. Listed only once
 *   its network's late grace (`watchers.<network>.lateGraceMs`) has passed too: until then a
 *   top-up could still credit it late, and a refunded part would have bought access.
 * Payments credited late (after expiry, within the grace) unlocked their token and are not refunds.
 */
export type RefundKind = 'overpaid' | 'expired_unpaid';

export interface Refund extends LedgerAmount {
  kind: RefundKind;
  invoiceId: string;
  siteId: string;
  host: string;
  invoiceStatus: string;
  expiresAt: string;
  /** What the offer asked, and what was confirmed to it (atomic units). */
  askedAtomic: string;
  confirmedAtomic: string;
  /** Send the refund here: the payer of the newest confirmed payment to the offer. */
  to: string | null;
  /** Every payer that paid this offer (several: check before refunding to `to`). */
  payers: string[];
  /** Where the money sits: the receive address (EVM) and its path below the wallet's xpub. */
  from: {
    address: string;
    /** `0/i` (pay-page pool) or `1/hi/lo` (API challenge); null when not derived here (Solana wallet). */
    path: string | null;
    walletId: string | null;
  };
  /** The confirmed payments to the offer, newest first. */
  payments: Array<{ txHash: string; logIndex: number; amountAtomic: string; explorerUrl: string | null }>;
}

interface Row {
  offer_id: string;
  invoice_id: string;
  site_id: string;
  host: string;
  status: string;
  late_credited: boolean;
  expires_at: Date;
  network: string;
  asset: string;
  amount_atomic: string;
  confirmed_atomic: string;
  pay_to: string;
  reference: string | null;
  paying_offer: string | null;
  pool_wallet: string | null;
  pool_index: number | null;
  challenge_wallet: string | null;
  challenge_index: string | null;
  payments: Array<{
    tx_hash: string;
    log_index: number;
    payer: string | null;
    amount_atomic: string | number;
  }>;
}

const NON_HARDENED = 0x8000_0000;

/**
 * Money to send back (see {@link RefundKind}), per invoice offer, newest invoice first: what, to
 * whom, from which receive address. Read from the offers' confirmed totals and the confirmed
 * payments the watchers recorded. Proof-credited invoices (API challenges, x402) are not listed:
 * their verifier required at least the amount and no offer row keeps what was asked.
 */
export async function listRefunds(
  db: Queryable,
  registry: NetworkRegistry,
  q: {
    site?: string | undefined;
    network?: string | undefined;
    asset?: string | undefined;
    limit: number;
    /** `watchers.<network>.lateGraceMs` per network; others use the default (one day). */
    lateGraceMs?: ReadonlyMap<string, number> | undefined;
  },
): Promise<Refund[]> {
  const graces = [...(q.lateGraceMs ?? new Map<string, number>())];
  const result = await db.query<Row>(
    `WITH offers AS (
       SELECT o.*, i.site_id, i.host, i.status, i.late_credited, i.expires_at,
              CASE o.asset_kind WHEN 'native' THEN 'native' ELSE o.asset_address END AS asset,
              (SELECT min(o2.id) FROM invoice_offers o2
                WHERE o2.invoice_id = o.invoice_id AND o2.confirmed_atomic >= o2.amount_atomic) AS paying_offer
         FROM invoice_offers o JOIN invoices i ON i.id = o.invoice_id
        WHERE o.confirmed_atomic > 0
          AND ($1::text IS NULL OR i.site_id = $1) AND ($2::text IS NULL OR o.network = $2))
     SELECT o.id::text AS offer_id, o.invoice_id, o.site_id, o.host, o.status, o.late_credited, o.expires_at,
            o.network, o.asset, o.amount_atomic::text, o.confirmed_atomic::text, o.pay_to, o.reference,
            o.paying_offer::text, ra.wallet_id AS pool_wallet, ra.derivation_index AS pool_index,
            ca.wallet_id AS challenge_wallet, ca.derivation_index::text AS challenge_index,
            COALESCE((SELECT json_agg(json_build_object('tx_hash', p.tx_hash, 'log_index', p.log_index,
                                                        'payer', p.payer, 'amount_atomic', p.amount_atomic::text)
                                      ORDER BY p.block_number DESC NULLS LAST, p.log_index DESC)
                        FROM payments p
                       WHERE p.network = o.network AND p.pay_to = COALESCE(o.reference, o.pay_to)
                         AND p.asset = o.asset AND p.status = 'confirmed'), '[]'::json) AS payments
       FROM offers o
       LEFT JOIN receive_addresses ra ON o.reference IS NULL AND ra.address = lower(o.pay_to)
       LEFT JOIN challenge_addresses ca ON o.reference IS NULL AND lower(ca.address) = lower(o.pay_to)
      WHERE ($3::text[] IS NULL OR o.asset = ANY($3::text[]))
        AND (((o.status IN ('paid', 'redeemed') OR o.late_credited)
              AND (o.id <> o.paying_offer OR o.confirmed_atomic > o.amount_atomic))
             OR ((o.status = 'expired' OR (o.status IN ('pending', 'seen') AND o.expires_at <= now()))
                 AND NOT o.late_credited
                 AND o.expires_at + make_interval(secs => COALESCE(
                       (SELECT g.ms FROM unnest($5::text[], $6::bigint[]) AS g(network, ms) WHERE g.network = o.network),
                       $7) / 1000.0) <= now()))
      ORDER BY o.expires_at DESC, o.invoice_id, o.id
      LIMIT $4`,
    [
      q.site ?? null,
      q.network ?? null,
      assetIdsFor(registry, q.asset) ?? null,
      q.limit,
      graces.map(([n]) => n),
      graces.map(([, ms]) => ms),
      DEFAULT_LATE_GRACE_MS,
    ],
  );
  return result.rows.map((r) => {
    const confirmed = BigInt(r.confirmed_atomic);
    const asked = BigInt(r.amount_atomic);
    const credited = r.status === 'paid' || r.status === 'redeemed' || r.late_credited;
    // An open invoice past its expiry (not yet swept) is reported as what it is.
    const status = credited ? r.status : 'expired';
    const owed = !credited || r.paying_offer !== r.offer_id ? confirmed : confirmed - asked;
    const payers = [...new Set(r.payments.map((p) => p.payer).filter((p): p is string => p !== null))];
    return {
      kind: credited ? ('overpaid' as const) : ('expired_unpaid' as const),
      ...ledgerAmount(registry, r.network, r.asset, owed),
      invoiceId: r.invoice_id,
      siteId: r.site_id,
      host: r.host,
      invoiceStatus: status,
      expiresAt: r.expires_at.toISOString(),
      askedAtomic: asked.toString(),
      confirmedAtomic: confirmed.toString(),
      to: r.payments[0]?.payer ?? null,
      payers,
      from: fromAddress(r),
      payments: r.payments.map((p) => ({
        txHash: p.tx_hash,
        logIndex: Number(p.log_index),
        amountAtomic: String(p.amount_atomic),
        explorerUrl: explorerTxUrl(registry, r.network, p.tx_hash),
      })),
    };
  });
}

function fromAddress(r: Row): Refund['from'] {
  if (r.pool_index !== null)
    return { address: r.pay_to, path: `${ADDRESS_BRANCH.pool}/${r.pool_index}`, walletId: r.pool_wallet };
  if (r.challenge_index !== null) {
    const i = Number(r.challenge_index);
    return {
      address: r.pay_to,
      path: `${ADDRESS_BRANCH.challenge}/${Math.floor(i / NON_HARDENED)}/${i % NON_HARDENED}`,
      walletId: r.challenge_wallet,
    };
  }
  return { address: r.pay_to, path: null, walletId: null };
}
