import { ETH_PAID_WEI, USDC_PAID_ATOMIC, startLedger, type Ledger } from './support/ledger-fixture.js';
import { turnpike } from './support/run-turnpike.js';

describe('turnpike payments list (real PostgreSQL, payments seen and credited by the watcher)', () => {
  let ledger: Ledger;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    ledger = await startLedger();
    env = { DATABASE_URL: ledger.databaseUrl };
  });
  afterAll(() => ledger?.close());

  it('lists both on-chain payments as confirmed and credited, in exact atomic units', async () => {
    const run = await turnpike(['payments', 'list', '--json'], { env });
    expect(run.code).toBe(0);
    const { payments } = run.json<{
      payments: Array<{
        invoiceId: string;
        asset: string;
        amountAtomic: string;
        status: string;
        credited: boolean;
        host: string;
        txHash: string;
      }>;
    }>();
    expect(payments).toHaveLength(2);
    const byInvoice = new Map(payments.map((p) => [p.invoiceId, p]));
    expect(byInvoice.get(ledger.usdcInvoice.id)).toMatchObject({
      asset: ledger.chain.usdc.address.toLowerCase(),
      amountAtomic: USDC_PAID_ATOMIC.toString(),
      status: 'confirmed',
      credited: true,
      host: 'shop.test',
    });
    expect(byInvoice.get(ledger.ethInvoice.id)).toMatchObject({
      asset: 'native',
      amountAtomic: ETH_PAID_WEI.toString(),
      credited: true,
    });
    expect(payments.every((p) => /^0x[0-9a-f]{64}$/.test(p.txHash))).toBe(true);
  });

  it('filters by network and status', async () => {
    const other = await turnpike(['payments', 'list', '--network', 'base', '--json'], { env });
    expect(other.json<{ payments: unknown[] }>().payments).toHaveLength(0);
    const seen = await turnpike(['payments', 'list', '--status', 'seen', '--json'], { env });
    expect(seen.json<{ payments: unknown[] }>().payments).toHaveLength(0);
    const table = await turnpike(['payments', 'list', '--network', 'anvil'], { env });
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(USDC_PAID_ATOMIC.toString());
    expect(table.stdout).toContain(ETH_PAID_WEI.toString());
  });
});
