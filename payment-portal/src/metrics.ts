import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The portal's own metrics (on top of the process defaults). */
export interface PortalMetrics {
  invoicesCreated: Counter<'source'>;
  invoiceTransitions: Counter<'status'>;
  latePayments: Counter<'network'>;
  rpcCalls: Counter<'network' | 'method' | 'outcome'>;
  scanSeconds: Histogram<'network'>;
  tokensIssued: Counter;
  refusals: Counter<'reason'>;
  /** Live status streams open on this replica. */
  eventStreams: Gauge;
  /** Rows deleted by retention, by table. */
  retentionDeleted: Counter<'table'>;
  retentionRounds: Counter<'outcome'>;
  /**
   * Credited payments in whole units of their asset. Labels are bounded by config: networks and
   * assets are the configured ones; hosts are those the authorizers protect (a host only gets here
   * through a challenge or pay link its authorizer sealed, and only once someone paid).
   */
  revenue: Counter<'network' | 'asset' | 'host'>;
  paymentsCredited: Counter<'network' | 'asset' | 'host' | 'dialect'>;
}

export function createPortalMetrics(registry: Registry): PortalMetrics {
  return {
    invoicesCreated: new Counter({
      name: 'turnpike_portal_invoices_created_total',
      help: 'Invoices created',
      labelNames: ['source'],
      registers: [registry],
    }),
    invoiceTransitions: new Counter({
      name: 'turnpike_portal_invoice_transitions_total',
      help: 'Invoice status changes made by watchers',
      labelNames: ['status'],
      registers: [registry],
    }),
    latePayments: new Counter({
      name: 'turnpike_portal_late_payments_total',
      help: 'Invoices fully paid after they expired (credited; operator attention)',
      labelNames: ['network'],
      registers: [registry],
    }),
    rpcCalls: new Counter({
      name: 'turnpike_portal_rpc_calls_total',
      help: 'JSON-RPC requests made by watchers',
      labelNames: ['network', 'method', 'outcome'],
      registers: [registry],
    }),
    scanSeconds: new Histogram({
      name: 'turnpike_portal_scan_seconds',
      help: 'Duration of one watcher pass',
      labelNames: ['network'],
      registers: [registry],
    }),
    tokensIssued: new Counter({
      name: 'turnpike_portal_tokens_issued_total',
      help: 'Payment tokens issued',
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'turnpike_portal_refusals_total',
      help: 'Requests refused, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    eventStreams: new Gauge({
      name: 'turnpike_portal_event_streams',
      help: 'Pay-page live status streams (SSE) open on this replica',
      registers: [registry],
    }),
    retentionDeleted: new Counter({
      name: 'turnpike_portal_retention_deleted_rows_total',
      help: 'Rows deleted by retention (expired invoices nothing was paid to, expired x402 extension rows), by table',
      labelNames: ['table'],
      registers: [registry],
    }),
    retentionRounds: new Counter({
      name: 'turnpike_portal_retention_rounds_total',
      help: 'Retention rounds: done, skipped (another replica held the lock) or failed',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    revenue: new Counter({
      name: 'turnpike_portal_revenue_total',
      help: 'Credited payments, in whole units of the asset (float; the ledger keeps exact atomic units)',
      labelNames: ['network', 'asset', 'host'],
      registers: [registry],
    }),
    paymentsCredited: new Counter({
      name: 'turnpike_portal_payments_credited_total',
      help: 'Payments credited (each once), by how they came: pay_page, tx or x402',
      labelNames: ['network', 'asset', 'host', 'dialect'],
      registers: [registry],
    }),
  };
}
