import { startLedger, type Ledger } from './support/ledger-fixture.js';
import { turnpike } from './support/run-turnpike.js';

describe('turnpike invoices (real PostgreSQL, invoices paid on anvil and credited by the watcher)', () => {
  let ledger: Ledger;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    ledger = await startLedger();
    env = { DATABASE_URL: ledger.databaseUrl };
  });
  afterAll(() => ledger?.close());

  it('lists every invoice, newest first, with its status', async () => {
    const run = await turnpike(['invoices', 'list', '--json'], { env });
    expect(run.code).toBe(0);
    const { invoices } = run.json<{ invoices: Array<{ id: string; status: string; host: string }> }>();
    expect(invoices.map((i) => i.id)).toEqual([
      ledger.unpaidInvoice.id,
      ledger.ethInvoice.id,
      ledger.usdcInvoice.id,
    ]);
    expect(invoices.map((i) => i.status)).toEqual(['pending', 'paid', 'paid']);
    expect(invoices.every((i) => i.host === 'shop.test')).toBe(true);
  });

  it('filters by status and host, and honours --limit', async () => {
    const paid = await turnpike(['invoices', 'list', '--status', 'paid', '--json'], { env });
    expect(paid.json<{ invoices: unknown[] }>().invoices).toHaveLength(2);
    const other = await turnpike(['invoices', 'list', '--host', 'other.test', '--json'], { env });
    expect(other.json<{ invoices: unknown[] }>().invoices).toHaveLength(0);
    const one = await turnpike(['invoices', 'list', '--limit', '1'], { env });
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(ledger.unpaidInvoice.id);
    expect(one.stdout).not.toContain(ledger.usdcInvoice.id);
  });

  it('refuses an unknown status as a usage error (exit 2)', async () => {
    const run = await turnpike(['invoices', 'list', '--status', 'bogus'], { env });
    expect(run.code).toBe(2);
  });

  it('shows one invoice with exact amounts and its credited payment', async () => {
    const run = await turnpike(['invoices', 'show', ledger.usdcInvoice.id, '--json'], { env });
    expect(run.code).toBe(0);
    const shown = run.json<{
      invoice: { status: string; paidAt: string | null };
      offers: Array<{ amountAtomic: string; amount: string; confirmed: string; payTo: string }>;
      payments: Array<{ amountAtomic: string; credited: boolean; status: string }>;
    }>();
    expect(shown.invoice.status).toBe('paid');
    expect(shown.invoice.paidAt).not.toBeNull();
    expect(shown.offers).toEqual([
      expect.objectContaining({
        amountAtomic: '1500000',
        amount: '1.5',
        confirmed: '1.5',
        payTo: ledger.usdcInvoice.offers[0]!.payTo,
      }),
    ]);
    expect(shown.payments).toEqual([
      expect.objectContaining({ amountAtomic: '1500000', credited: true, status: 'confirmed' }),
    ]);
    const text = await turnpike(['invoices', 'show', ledger.usdcInvoice.id], { env });
    expect(text.stdout).toContain('1.5');
    expect(text.stdout).toContain('https://shop.test/premium');
  });

  it('says not found (exit 1) for an unknown id', async () => {
    const run = await turnpike(['invoices', 'show', 'AAAAAAAAAAAAAAAAAAAAAA', '--json'], { env });
    expect(run.code).toBe(1);
    expect(run.json<{ error: { code: string } }>().error.code).toBe('not_found');
  });

  it('needs DATABASE_URL (exit 2) and reports an unreachable database (exit 3)', async () => {
    const missing = await turnpike(['invoices', 'list', '--json'], { env: {} });
    expect(missing.code).toBe(2);
    expect(missing.json<{ error: { code: string } }>().error.code).toBe('database_url_missing');
    const url = new URL(ledger.databaseUrl);
    url.port = String(Number(url.port) + 1);
    const down = await turnpike(['invoices', 'list'], { env: { DATABASE_URL: url.toString() } });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('database_unavailable');
  });

  it('on a database without the portal schema, says so with a hint (exit 3)', async () => {
    const empty = await ledger.pg.createDatabase();
    const run = await turnpike(['invoices', 'list', '--json'], { env: { DATABASE_URL: empty } });
    expect(run.code).toBe(3);
    expect(run.json<{ error: { code: string; hint?: string } }>().error).toMatchObject({
      code: 'database_unavailable',
      hint: expect.stringContaining('payment-portal migrate'),
    });
  });

  it('opens the database read-only: the server refuses a write on its connections', async () => {
    const { openReadOnlyDatabase } = await import('../src/lib/read-only-database.js');
    const db = await openReadOnlyDatabase({ out: () => {}, err: () => {}, readStdin: async () => '', env });
    try {
      await expect(db.query("UPDATE invoices SET description = 'x'")).rejects.toThrow(/read-only/);
    } finally {
      await db.close();
    }
  });
});
