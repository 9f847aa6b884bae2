import { Option, type Command } from 'commander';
import { createNetworkRegistry, formatAtomic, type NetworkRegistry } from '@turnpike/protocol';
import { UsageError } from '../errors.js';
import { loadPortalSettings } from '../lib/portal-settings.js';
import { parseInstant } from '../lib/parse-options.js';
import { withReadOnlyDatabase } from '../lib/read-only-database.js';
import { renderCsv, renderTable, type CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';
import type { CliIo } from '../io.js';

export const REVENUE_GROUPINGS = ['day', 'host', 'site', 'asset', 'network'] as const;
export type RevenueGrouping = (typeof REVENUE_GROUPINGS)[number];
export const REVENUE_FORMATS = ['table', 'csv', 'json'] as const;

/** The leading group column per --by; network and asset always group too (amounts of different assets never add up). */
const GROUP_SQL: Record<RevenueGrouping, string | null> = {
  day: `to_char(date_trunc('day', r.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`,
  host: `coalesce(i.host, '')`,
  // Every invoice has a site (docs/sites.md); a redemption without an invoice row is the default site's.
  site: `coalesce(i.site_id, 'default')`,
  asset: null,
  network: null,
};

interface RevenueRow {
  key: string | null;
  network: string;
  asset: string;
  payments: string;
  total: string;
}

export interface RevenueLine {
  day?: string;
  host?: string;
  site?: string;
  network: string;
  /** 'native' or the token contract / mint, as the ledger records it. */
  asset: string;
  symbol: string | null;
  decimals: number | null;
  payments: number;
  totalAtomic: string;
  /** Whole units, exact (null when the asset is not in the network registry). */
  total: string | null;
}

/** The registry's symbol and decimals of a ledger asset key ('native' or a contract / mint). */
function describeAsset(
  registry: NetworkRegistry,
  network: string,
  asset: string,
): { symbol: string; decimals: number } | null {
  const n = registry.get(network);
  if (n === undefined) return null;
  if (asset === 'native') return { symbol: n.nativeSymbol, decimals: n.nativeDecimals };
  const token = Object.values(n.tokens).find((t) =>
    t.kind === 'spl' ? t.mint === asset : t.address.toLowerCase() === asset.toLowerCase(),
  );
  return token === undefined ? null : { symbol: token.symbol, decimals: token.decimals };
}

/**
 * `turnpike revenue`: credited payments (the redemptions ledger: each (network, tx, log index)
 * counted once) summed per network and asset, optionally per day (UTC) or host, in exact atomic
 * units, with the whole-unit decimal from the asset's decimals in the network registry (the
 * built-in networks, plus `networks:` of --portal-config).
 */
export async function revenue(
  io: CliIo,
  opts: {
    from?: Date | undefined;
    to?: Date | undefined;
    by: RevenueGrouping;
    format: (typeof REVENUE_FORMATS)[number];
    portalConfig?: string | undefined;
    /** Only this site's payments. */
    site?: string | undefined;
  },
): Promise<CommandResult> {
  if (opts.site !== undefined && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(opts.site))
    throw new UsageError(`--site ${opts.site} is not a site id`);
  if (opts.from && opts.to && opts.from >= opts.to) throw new UsageError('--from must be before --to');
  const registry = opts.portalConfig
    ? (await loadPortalSettings(opts.portalConfig, io.env)).registry
    : createNetworkRegistry({});
  const group = GROUP_SQL[opts.by];
  const rows = await withReadOnlyDatabase(io, async (db) => {
    const r = await db.query<RevenueRow>(
      `SELECT ${group ?? 'NULL'} AS key, r.network, r.asset, count(*) AS payments, sum(r.amount_atomic)::text AS total
         FROM redemptions r LEFT JOIN invoices i ON i.id = r.invoice_id
        WHERE ($1::timestamptz IS NULL OR r.created_at >= $1) AND ($2::timestamptz IS NULL OR r.created_at < $2)
          AND ($3::text IS NULL OR coalesce(i.site_id, 'default') = $3)
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3`,
      [opts.from ?? null, opts.to ?? null, opts.site ?? null],
    );
    return r.rows;
  });
  const warnings = new Set<string>();
  const lines: RevenueLine[] = rows.map((row) => {
    const known = describeAsset(registry, row.network, row.asset);
    if (known === null)
      warnings.add(
        `asset ${row.asset} on ${row.network} is not in the network registry: give --portal-config for its decimals`,
      );
    return {
      ...(opts.by === 'day' ? { day: row.key ?? '' } : {}),
      ...(opts.by === 'host' ? { host: row.key ?? '' } : {}),
      ...(opts.by === 'site' ? { site: row.key ?? '' } : {}),
      network: row.network,
      asset: row.asset,
      symbol: known?.symbol ?? null,
      decimals: known?.decimals ?? null,
      payments: Number(row.payments),
      totalAtomic: row.total,
      total: known === null ? null : formatAtomic(BigInt(row.total), known.decimals),
    };
  });
  const lead = opts.by === 'day' || opts.by === 'host' || opts.by === 'site' ? [opts.by] : [];
  const headers = [...lead, 'network', 'asset', 'symbol', 'payments', 'total', 'total_atomic'];
  const cells = lines.map((l) => [
    ...(opts.by === 'day' ? [l.day ?? ''] : []),
    ...(opts.by === 'host' ? [l.host ?? ''] : []),
    ...(opts.by === 'site' ? [l.site ?? ''] : []),
    l.network,
    l.asset,
    l.symbol ?? '',
    String(l.payments),
    l.total ?? '',
    l.totalAtomic,
  ]);
  const text =
    opts.format === 'csv'
      ? renderCsv(headers, cells)
      : opts.format === 'json'
        ? JSON.stringify({ by: opts.by, lines }, null, 2)
        : renderTable(
            headers.map((h) => h.toUpperCase()),
            cells,
          );
  return {
    data: {
      by: opts.by,
      ...(opts.site === undefined ? {} : { site: opts.site }),
      from: opts.from?.toISOString() ?? null,
      to: opts.to?.toISOString() ?? null,
      lines,
    },
    text,
    warnings: [...warnings],
  };
}

export function registerRevenue(program: Command, ctx: CommandContext): void {
  program
    .command('revenue')
    .description('credited payments summed per network and asset (and per day, host or site), exact amounts')
    .option('--from <date>', 'from this ISO date or date-time (inclusive, UTC)', parseInstant)
    .option('--to <date>', 'up to this ISO date or date-time (exclusive, UTC)', parseInstant)
    .addOption(new Option('--by <grouping>', 'group by').choices(REVENUE_GROUPINGS).default('network'))
    .addOption(new Option('--format <format>', 'output format').choices(REVENUE_FORMATS).default('table'))
    .option('--portal-config <file>', "the portal's config, for the decimals of its own networks and tokens")
    .option('--site <id>', "only this site's payments (docs/sites.md)")
    .action(
      ctx.handle(
        (opts: {
          from?: Date;
          to?: Date;
          by: RevenueGrouping;
          format: (typeof REVENUE_FORMATS)[number];
          portalConfig?: string;
          site?: string;
        }) => revenue(ctx.io, opts),
      ),
    );
}
