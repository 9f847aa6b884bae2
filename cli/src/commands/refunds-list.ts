import type { Command } from 'commander';
import { lateGraceByNetwork, listRefunds, type Refund } from '@turnpike/payment-portal';
import { createNetworkRegistry } from '@turnpike/protocol';
import { loadPortalSettings } from '../lib/portal-settings.js';
import { parseLimit } from '../lib/parse-options.js';
import { withReadOnlyDatabase } from '../lib/read-only-database.js';
import { renderTable, type CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';
import type { CliIo } from '../io.js';

/**
 * `turnpike refunds list`: money owed back to payers (docs/dashboard.md, "Refunds"), read from the
 * portal database (DATABASE_URL, read-only) with the portal's own query, the one behind
 * `GET /admin/api/refunds`: overpayments (the excess) and payments to invoices that expired without
 * unlocking (everything received, once the late grace has passed: `--portal-config` gives each
 * network's `lateGraceMs`, else one day), each with the payer to refund and the receive address
 * holding the money with its derivation path. Nothing is sent: `turnpike sweep plan --refunds` plans it.
 */
export async function refundsList(
  io: CliIo,
  opts: {
    site?: string | undefined;
    network?: string | undefined;
    limit: number;
    portalConfig?: string | undefined;
  },
): Promise<CommandResult> {
  const settings = opts.portalConfig ? await loadPortalSettings(opts.portalConfig, io.env) : undefined;
  const registry = settings?.registry ?? createNetworkRegistry({});
  const lateGraceMs = settings === undefined ? undefined : lateGraceByNetwork(settings.watchers);
  const refunds: Refund[] = await withReadOnlyDatabase(io, (db) =>
    listRefunds(db, registry, { site: opts.site, network: opts.network, limit: opts.limit, lateGraceMs }),
  );
  const warnings = [
    ...new Set(
      refunds
        .filter((r) => r.decimals === null)
        .map((r) => `asset ${r.asset} on ${r.network} is not in the network registry: give --portal-config`),
    ),
    ...refunds
      .filter((r) => r.payers.length > 1)
      .map(
        (r) =>
          `invoice ${r.invoiceId}: paid by ${r.payers.length} addresses; check who is owed before refunding`,
      ),
  ];
  const text = renderTable(
    ['KIND', 'INVOICE', 'SITE', 'NETWORK', 'REFUND', 'TO', 'FROM', 'PATH'],
    refunds.map((r) => [
      r.kind,
      r.invoiceId,
      r.siteId,
      r.network,
      r.amount === null ? `${r.amountAtomic} (atomic) ${r.asset}` : `${r.amount} ${r.symbol ?? r.asset}`,
      r.to ?? 'unknown',
      r.from.address,
      r.from.path ?? '-',
    ]),
  );
  return { data: { refunds }, text, warnings };
}

export function registerRefundsList(parent: Command, ctx: CommandContext): void {
  parent
    .command('list')
    .description('list overpayments and payments to expired invoices owed back to their payers')
    .option('--site <id>', 'only this site')
    .option('--network <name>', 'only this network')
    .option('--limit <n>', 'at most this many (1-10000)', parseLimit, 500)
    .option('--portal-config <file>', "the portal's config, for the decimals of its own networks and tokens")
    .action(
      ctx.handle((opts: { site?: string; network?: string; limit: number; portalConfig?: string }) =>
        refundsList(ctx.io, opts),
      ),
    );
}
