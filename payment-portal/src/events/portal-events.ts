import { formatAtomic, type NetworkRegistry, type TokenClaims } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import type { InvoiceRecord } from '../invoices/types.js';
import type { PortalMetrics } from '../metrics.js';
import { assetLabel } from './asset-label.js';
import type { PaymentDialect, PortalEventName } from './event-names.js';

/** A payment row as the ledger recorded it (asset by id: `native`, contract or mint). */
export interface RecordedPayment {
  invoiceId: string | null;
  /** The protected host of the invoice (null: a transfer to an address no invoice holds). */
  host: string | null;
  network: string;
  txHash: string;
  logIndex: number;
  asset: string;
  amountAtomic: bigint;
}

export interface CreditedPayment extends RecordedPayment {
  dialect: PaymentDialect;
}

export interface SettlementFailure {
  network: string;
  /** The token contract of the authorization. */
  asset: string;
  amountAtomic: bigint;
  host: string;
  mode: 'relayer' | 'facilitator';
  /** A REASONS value. */
  reason: string;
}

/**
 * Writes the portal's event lines (`event` field; docs/operations.md) and counts what they count.
 * Never given a token, a cookie, a key or the payer's IP: each line carries ids (invoice, tx, kid,
 * jti), the host, and amounts as decimal strings in whole units (plus atomic units).
 */
export interface PortalEvents {
  invoiceCreated(invoice: InvoiceRecord): void;
  paymentsSeen(payments: readonly RecordedPayment[]): void;
  /** Each payment here was credited exactly once, by this replica: the revenue metrics count it. */
  paymentsCredited(payments: readonly CreditedPayment[]): void;
  tokenIssued(token: { claims: TokenClaims; kid: string; dialect: PaymentDialect }): void;
  settlementFailed(failure: SettlementFailure): void;
}

export function createPortalEvents(deps: {
  logger: Logger;
  registry: NetworkRegistry;
  metrics?: Pick<PortalMetrics, 'revenue' | 'paymentsCredited'>;
}): PortalEvents {
  const { logger, registry } = deps;
  const line = (event: PortalEventName, fields: Record<string, unknown>): void =>
    logger.info({ event, ...fields }, event);
  const amounts = (network: string, assetId: string, atomic: bigint) => {
    const label = assetLabel(registry, network, assetId);
    return {
      asset: label?.symbol ?? assetId,
      amount: label === undefined ? undefined : formatAtomic(atomic, label.decimals),
      amountAtomic: atomic.toString(),
    };
  };
  const paymentFields = (p: RecordedPayment) => ({
    invoice: p.invoiceId,
    host: p.host,
    network: p.network,
    ...amounts(p.network, p.asset, p.amountAtomic),
    tx: p.txHash,
    logIndex: p.logIndex,
  });

  return {
    invoiceCreated(invoice) {
      line('invoice.created', {
        invoice: invoice.id,
        host: invoice.host,
        resource: invoice.resource,
        source: invoice.source,
        expiresAt: invoice.expiresAt.toISOString(),
        offers: invoice.offers.map((o) => ({
          network: o.network,
          asset: o.assetSymbol,
          amount: formatAtomic(o.amountAtomic, o.decimals),
          amountAtomic: o.amountAtomic.toString(),
        })),
      });
    },
    paymentsSeen(payments) {
      for (const p of payments) line('payment.seen', paymentFields(p));
    },
    paymentsCredited(payments) {
      for (const p of payments) {
        const fields = paymentFields(p);
        line('payment.credited', { ...fields, dialect: p.dialect });
        if (!deps.metrics) continue;
        const labels = { network: p.network, asset: fields.asset, host: p.host ?? '' };
        deps.metrics.paymentsCredited.inc({ ...labels, dialect: p.dialect });
        // Whole units, from the exact decimal string: a float only at the very end.
        if (fields.amount !== undefined) deps.metrics.revenue.inc(labels, Number(fields.amount));
      }
    },
    tokenIssued({ claims, kid, dialect }) {
      line('token.issued', {
        invoice: claims.pay?.invoice,
        host: claims.aud,
        resource: claims.resource,
        network: claims.pay?.network,
        tx: claims.pay?.tx,
        kid,
        jti: claims.jti,
        expiresAt: new Date(claims.exp * 1000).toISOString(),
        dialect,
      });
    },
    settlementFailed(f) {
      const { amountAtomic, asset, ...rest } = f;
      line('settlement.failed', { ...rest, ...amounts(f.network, asset, amountAtomic) });
    },
  };
}
