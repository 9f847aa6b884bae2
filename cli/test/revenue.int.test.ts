import { ETH_PAID_WEI, USDC_PAID_ATOMIC, startLedger, type Ledger } from './support/ledger-fixture.js';
import { turnpike } from './support/run-turnpike.js';

interface Line {
  day?: string;
  host?: string;
  network: string;
  asset: string;
  symbol: string | null;
  payments: number;
  totalAtomic: string;
  total: string | null;
}

describe('turnpike revenue (credited payments in real PostgreSQL)', () => {
  let ledger: Ledger;
  let env: NodeJS.ProcessEnv;
  let usdc: string;
  beforeAll(async () => {
    ledger = await startLedger();
    env = { DATABASE_URL: ledger.databaseUrl };
    usdc = ledger.chain.usdc.address.toLowerCase();
  });
  afterAll(() => ledger?.close());

  it('sums per network and asset, exact, with decimals from the registry of --portal-config', async () => {
    const run = await turnpike(['revenue', '--portal-config', ledger.portalConfigFile, '--json'], { env });
    expect(run.code).toBe(0);
    const { lines } = run.json<{ lines: Line[] }>();
    expect(lines).toEqual(
      [
        {
          network: 'anvil',
          asset: usdc,
          symbol: 'USDC',
          decimals: 6,
          payments: 1,
          totalAtomic: USDC_PAID_ATOMIC.toString(),
          total: '1.5',
        },
        {
          network: 'anvil',
          asset: 'native',
          symbol: 'ETH',
          decimals: 18,
          payments: 1,
          totalAtomic: ETH_PAID_WEI.toString(),
          total: '0.001',
        },
      ].sort((a, b) => a.asset.localeCompare(b.asset)),
    );
  });

  it('groups by day (UTC) and by host', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const byDay = await turnpike(
      ['revenue', '--by', 'day', '--portal-config', ledger.portalConfigFile, '--json'],
      { env },
    );
    expect(byDay.json<{ lines: Line[] }>().lines.map((l) => [l.day, l.symbol, l.total])).toEqual(
      expect.arrayContaining([
        [today, 'USDC', '1.5'],
        [today, 'ETH', '0.001'],
      ]),
    );
    const byHost = await turnpike(
      ['revenue', '--by', 'host', '--portal-config', ledger.portalConfigFile, '--json'],
      { env },
    );
    expect(byHost.json<{ lines: Line[] }>().lines.every((l) => l.host === 'shop.test')).toBe(true);
  });

  it('writes CSV with a header and one row per group', async () => {
    const run = await turnpike(
      ['revenue', '--by', 'asset', '--format', 'csv', '--portal-config', ledger.portalConfigFile],
      { env },
    );
    expect(run.code).toBe(0);
    const rows = run.stdout.trim().split('\n');
    expect(rows[0]).toBe('network,asset,symbol,payments,total,total_atomic');
    expect(rows).toContain(`anvil,${usdc},USDC,1,1.5,1500000`);
    expect(rows).toContain('anvil,native,ETH,1,0.001,1000000000000000');
  });

  it('honours --from/--to', async () => {
    const future = await turnpike(['revenue', '--from', '2999-01-01', '--json'], { env });
    expect(future.json<{ lines: Line[] }>().lines).toEqual([]);
    const backwards = await turnpike(['revenue', '--from', '2026-12-02', '--to', '2026-12-01'], { env });
    expect(backwards.code).toBe(2);
  });

  it('without the portal config, an unknown network has no decimal total and says why', async () => {
    const run = await turnpike(['revenue', '--json'], { env });
    const out = run.json<{ lines: Line[]; warnings: string[] }>();
    expect(out.lines.every((l) => l.total === null && /^\d+$/.test(l.totalAtomic))).toBe(true);
    expect(out.warnings.join('\n')).toContain('--portal-config');
  });

  it('groups by site and counts one site with --site (docs/sites.md)', async () => {
    // The ETH payment's invoice belongs to another site; put back afterwards.
    await ledger.core.db.query(`UPDATE invoices SET site_id = 'shop-b' WHERE id = $1`, [
      ledger.ethInvoice.id,
    ]);
    try {
      const bySite = await turnpike(
        ['revenue', '--by', 'site', '--portal-config', ledger.portalConfigFile, '--json'],
        { env },
      );
      expect(bySite.code).toBe(0);
      expect(
        bySite
          .json<{ lines: Array<Line & { site?: string }> }>()
          .lines.map((l) => [l.site, l.symbol, l.payments, l.total]),
      ).toEqual([
        ['default', 'USDC', 1, '1.5'],
        ['shop-b', 'ETH', 1, '0.001'],
      ]);
      const one = await turnpike(
        ['revenue', '--site', 'shop-b', '--portal-config', ledger.portalConfigFile, '--json'],
        { env },
      );
      expect(one.json<{ site: string; lines: Line[] }>()).toMatchObject({
        site: 'shop-b',
        lines: [{ symbol: 'ETH', payments: 1, totalAtomic: '1000000000000000' }],
      });
      const table = await turnpike(['revenue', '--by', 'site', '--portal-config', ledger.portalConfigFile], {
        env,
      });
      expect(table.stdout.split('\n')[0]).toMatch(/^SITE\s+NETWORK/);
      const bad = await turnpike(['revenue', '--site', 'Not A Site', '--json'], { env });
      expect(bad.code).toBe(2);
      expect(bad.json<{ error: { code: string } }>().error.code).toBe('usage_invalid');
    } finally {
      await ledger.core.db.query(`UPDATE invoices SET site_id = 'default' WHERE id = $1`, [
        ledger.ethInvoice.id,
      ]);
    }
  });
});
