import { Option, type Command } from 'commander';
import { withReadOnlyDatabase } from '../lib/read-only-database.js';
import { parseLimit } from '../lib/parse-options.js';
import { renderTable, type CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';
import type { CliIo } from '../io.js';

/** The invoice states of payment-portal/migrations (invoices_status_check). */
export const INVOICE_STATUSES = ['pending', 'seen', 'confirming', 'paid', 'redeemed', 'expired'] as const;

interface InvoiceListRow {
  id: string;
  host: string;
  resource: string;
  status: string;
  source: string;
  created_at: Date;
  expires_at: Date;
  paid_at: Date | null;
  late_credited: boolean;
  offers: string;
}

/** `turnpike invoices list [--status S] [--host H] [--limit N]`: newest first. */
export async function invoicesList(
  io: CliIo,
  opts: { status?: string | undefined; host?: string | undefined; limit: number },
): Promise<CommandResult> {
  const rows = await withReadOnlyDatabase(io, async (db) => {
    const r = await db.query<InvoiceListRow>(
      `SELECT i.id, i.host, i.resource, i.status, i.source, i.created_at, i.expires_at, i.paid_at, i.late_credited,
              coalesce((SELECT string_agg(o.network || ':' || o.asset_symbol, ' ' ORDER BY o.id)
                          FROM invoice_offers o WHERE o.invoice_id = i.id), '') AS offers
         FROM invoices i
        WHERE ($1::text IS NULL OR i.status = $1) AND ($2::text IS NULL OR i.host = $2)
        ORDER BY i.created_at DESC, i.id
        LIMIT $3`,
      [opts.status ?? null, opts.host ?? null, opts.limit],
    );
    return r.rows;
  });
  const invoices = rows.map((r) => ({
    id: r.id,
    host: r.host,
    resource: r.resource,
    status: r.status,
    source: r.source,
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    paidAt: r.paid_at?.toISOString() ?? null,
    lateCredited: r.late_credited,
    offers: r.offers === '' ? [] : r.offers.split(' '),
  }));
  const text = renderTable(
    ['ID', 'STATUS', 'HOST', 'RESOURCE', 'CREATED', 'OFFERS'],
    invoices.map((i) => [
      i.id,
      i.lateCredited ? `${i.status} (late paid)` : i.status,
      i.host,
      i.resource,
      i.createdAt,
      i.offers.join(' '),
    ]),
  );
  return { data: { invoices }, text };
}

export function registerInvoicesList(parent: Command, ctx: CommandContext): void {
  parent
    .command('list')
    .description('list invoices, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(INVOICE_STATUSES))
    .option('--host <host>', 'only this protected host')
    .option('--limit <n>', 'at most this many (1-10000)', parseLimit, 50)
    .action(
      ctx.handle((opts: { status?: string; host?: string; limit: number }) =>
        invoicesList(ctx.io, { status: opts.status, host: opts.host, limit: opts.limit }),
      ),
    );
}
