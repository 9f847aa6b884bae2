import { Option, type Command } from 'commander';
import { withReadOnlyDatabase } from '../lib/read-only-database.js';
import { parseLimit } from '../lib/parse-options.js';
import { renderTable, type CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';
import type { CliIo } from '../io.js';

/** The payment states of payment-portal/migrations (payments_status_check). */
export const PAYMENT_STATUSES = ['seen', 'confirmed', 'reorged'] as const;

interface PaymentListRow {
  network: string;
  tx_hash: string;
  log_index: number;
  invoice_id: string | null;
  host: string | null;
  payer: string | null;
  pay_to: string;
  asset: string;
  amount_atomic: string;
  block_number: string | null;
  status: string;
  credited: boolean;
  created_at: Date;
}

/**
 * `turnpike payments list`: transfers the watchers and payment proofs recorded (table payments),
 * newest first, with whether each was credited (a row in redemptions, the credited-once ledger).
 * Amounts are atomic units of `asset` ('native' or the token contract / mint).
 */
export async function paymentsList(
  io: CliIo,
  opts: { status?: string | undefined; network?: string | undefined; limit: number },
): Promise<CommandResult> {
  const rows = await withReadOnlyDatabase(io, async (db) => {
    const r = await db.query<PaymentListRow>(
      `SELECT p.network, p.tx_hash, p.log_index, p.invoice_id, i.host, p.payer, p.pay_to, p.asset, p.amount_atomic,
              p.block_number, p.status, p.created_at,
              EXISTS (SELECT 1 FROM redemptions r WHERE r.network = p.network AND r.tx_hash = p.tx_hash
                         AND r.log_index = p.log_index) AS credited
         FROM payments p LEFT JOIN invoices i ON i.id = p.invoice_id
        WHERE ($1::text IS NULL OR p.status = $1) AND ($2::text IS NULL OR p.network = $2)
        ORDER BY p.created_at DESC, p.tx_hash, p.log_index
        LIMIT $3`,
      [opts.status ?? null, opts.network ?? null, opts.limit],
    );
    return r.rows;
  });
  const payments = rows.map((p) => ({
    network: p.network,
    txHash: p.tx_hash,
    logIndex: p.log_index,
    invoiceId: p.invoice_id,
    host: p.host,
    payer: p.payer,
    payTo: p.pay_to,
    asset: p.asset,
    amountAtomic: p.amount_atomic,
    blockNumber: p.block_number,
    status: p.status,
    credited: p.credited,
    createdAt: p.created_at.toISOString(),
  }));
  const text = renderTable(
    ['CREATED', 'NETWORK', 'TX', 'ASSET', 'AMOUNT (ATOMIC)', 'STATUS', 'CREDITED', 'INVOICE'],
    payments.map((p) => [
      p.createdAt,
      p.network,
      p.txHash,
      p.asset,
      p.amountAtomic,
      p.status,
      p.credited ? 'yes' : 'no',
      p.invoiceId ?? '-',
    ]),
  );
  return { data: { payments }, text };
}

export function registerPaymentsList(parent: Command, ctx: CommandContext): void {
  parent
    .command('list')
    .description('list recorded payments, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(PAYMENT_STATUSES))
    .option('--network <name>', 'only this network')
    .option('--limit <n>', 'at most this many (1-10000)', parseLimit, 50)
    .action(
      ctx.handle((opts: { status?: string; network?: string; limit: number }) =>
        paymentsList(ctx.io, { status: opts.status, network: opts.network, limit: opts.limit }),
      ),
    );
}
