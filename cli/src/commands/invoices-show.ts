import type { Command } from 'commander';
import { getInvoice } from '@turnpike/payment-portal';
import { formatAtomic } from '@turnpike/protocol';
import { NotFoundError } from '../errors.js';
import { withReadOnlyDatabase } from '../lib/read-only-database.js';
import { renderTable, type CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';
import type { CliIo } from '../io.js';

interface PaymentRow {
  network: string;
  tx_hash: string;
  log_index: number;
  payer: string | null;
  pay_to: string;
  asset: string;
  amount_atomic: string;
  status: string;
  credited: boolean;
  created_at: Date;
}

/**
 * `turnpike invoices show <id>`: the invoice (the portal's own getInvoice), its offers with exact
 * amounts, and the payments recorded against it. Session hash and request digest are left out.
 */
export async function invoicesShow(io: CliIo, id: string): Promise<CommandResult> {
  const found = await withReadOnlyDatabase(io, async (db) => {
    const invoice = await getInvoice(db, id);
    if (invoice === null) return null;
    const payments = await db.query<PaymentRow>(
      `SELECT p.network, p.tx_hash, p.log_index, p.payer, p.pay_to, p.asset, p.amount_atomic, p.status, p.created_at,
              EXISTS (SELECT 1 FROM redemptions r WHERE r.network = p.network AND r.tx_hash = p.tx_hash
                         AND r.log_index = p.log_index) AS credited
         FROM payments p WHERE p.invoice_id = $1 ORDER BY p.created_at, p.tx_hash, p.log_index`,
      [id],
    );
    return { invoice, payments: payments.rows };
  });
  if (found === null) throw new NotFoundError(`no invoice "${id}"`);
  const { invoice: inv } = found;
  const offers = inv.offers.map((o) => ({
    network: o.network,
    asset: o.assetSymbol,
    assetKind: o.assetKind,
    assetAddress: o.assetAddress,
    decimals: o.decimals,
    payTo: o.payTo,
    reference: o.reference,
    amountAtomic: o.amountAtomic.toString(),
    amount: formatAtomic(o.amountAtomic, o.decimals),
    receivedAtomic: o.receivedAtomic.toString(),
    confirmedAtomic: o.confirmedAtomic.toString(),
    confirmed: formatAtomic(o.confirmedAtomic, o.decimals),
  }));
  const payments = found.payments.map((p) => ({
    network: p.network,
    txHash: p.tx_hash,
    logIndex: p.log_index,
    payer: p.payer,
    payTo: p.pay_to,
    asset: p.asset,
    amountAtomic: p.amount_atomic,
    status: p.status,
    credited: p.credited,
    createdAt: p.created_at.toISOString(),
  }));
  const invoice = {
    id: inv.id,
    status: inv.status,
    source: inv.source,
    host: inv.host,
    scheme: inv.scheme,
    resource: inv.resource,
    originalUri: inv.originalUri,
    claims: inv.claims,
    description: inv.description,
    tokenLifetimeMs: inv.tokenLifetimeMs,
    createdAt: inv.createdAt.toISOString(),
    expiresAt: inv.expiresAt.toISOString(),
    paidAt: inv.paidAt?.toISOString() ?? null,
    redeemedAt: inv.redeemedAt?.toISOString() ?? null,
    lateCredited: inv.lateCredited,
    tokenExpiresAt: inv.tokenExpiresAt?.toISOString() ?? null,
  };
  const text = [
    `invoice ${invoice.id}: ${invoice.status}${invoice.lateCredited ? ' (paid late)' : ''} (${invoice.source})`,
    `  ${invoice.scheme}://${invoice.host}${invoice.originalUri}  (scope ${invoice.resource})`,
    `  created ${invoice.createdAt}, expires ${invoice.expiresAt}, paid ${invoice.paidAt ?? '-'}`,
    `  token expires ${invoice.tokenExpiresAt ?? '-'}`,
    '',
    'offers:',
    renderTable(
      ['NETWORK', 'ASSET', 'AMOUNT', 'CONFIRMED', 'PAY TO'],
      offers.map((o) => [o.network, o.asset, o.amount, o.confirmed, o.payTo]),
    ),
    '',
    'payments:',
    renderTable(
      ['NETWORK', 'TX', 'LOG', 'AMOUNT (ATOMIC)', 'STATUS', 'CREDITED'],
      payments.map((p) => [
        p.network,
        p.txHash,
        String(p.logIndex),
        p.amountAtomic,
        p.status,
        p.credited ? 'yes' : 'no',
      ]),
    ),
  ].join('\n');
  return { data: { invoice, offers, payments }, text };
}

export function registerInvoicesShow(parent: Command, ctx: CommandContext): void {
  parent
    .command('show')
    .description('show one invoice with its offers and payments')
    .argument('<id>', 'invoice id')
    .action(ctx.handle((id: string) => invoicesShow(ctx.io, id)));
}
