// The per-client invoice limit under concurrency: the count and the insert must be one atomic step,
// or parallel requests all count the same old total and all pass. Real PostgreSQL (READ COMMITTED,
// a pool of connections) is where that race lives; PGlite runs one transaction at a time.
import { createNetworkRegistry, localAnvilNetwork, type PaymentRequest } from '@turnpike/protocol';
import { createAddressPool, type AddressPool } from '../../src/addresses/address-pool.js';
import { createEvmAddressDeriver } from '../../src/addresses/derive-evm.js';
import {
  createInvoice,
  RateLimitedError,
  type CreateInvoiceDeps,
} from '../../src/invoices/create-invoice.js';
import { challengeBinding, creditProof } from '../../src/ledger/index.js';
import { migrate, type Database } from '../../src/storage/index.js';
import { startPostgres, type TestPostgres } from '../../../tests/support/postgres.js';
import { pgHarness, pgliteHarness, type DriverHarness } from '../storage/drivers.js';
import { DEV_XPUB, startChain, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, type PortalFixture } from '../support/portal-fixture.js';

const USDC = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const registry = createNetworkRegistry({ anvil: localAnvilNetwork({ usdcAddress: USDC, confirmations: 1 }) });
const LIMIT = 20;
const PARALLEL = 100;

const request: PaymentRequest = {
  claims: {},
  tokenLifetimeMs: 60_000,
  offers: [{ network: 'anvil', asset: registry.asset('anvil', 'USDC'), amount: '1', atomic: 1_000_000n }],
  customization: {},
};
const target = { host: 'shop.test', scheme: 'https', resource: '/p', originalUri: '/p' } as const;

const harnesses: DriverHarness[] = [pgliteHarness(), pgHarness()];
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.stop()));
});

describe.each(harnesses.map((h) => [h.name, h] as const))('invoice rate limit on %s', (_name, harness) => {
  let db: Database;
  let pool: AddressPool;
  let deps: CreateInvoiceDeps;
  beforeAll(async () => {
    db = await harness.open();
    await migrate(db);
    pool = createAddressPool({ db, deriver: createEvmAddressDeriver(DEV_XPUB), lowWater: 150, batch: 150 });
    await pool.refill();
    deps = {
      db,
      registry,
      evmPool: pool,
      watchedNetworks: new Set(['anvil']),
      expiryMinutes: 30,
      rateLimitPerMinutePerIp: LIMIT,
    };
  });
  afterAll(() => pool.stop());

  it("a client's paid proofs (each credit records an invoice) do not count against its invoice limit", async () => {
    const client = '198.51.100.23';
    // A client paying by x402 or transaction hash more than LIMIT times a minute, then opening a
    // pay page: the limit is on invoices nobody has paid for, created by whoever asks.
    for (let i = 0; i < LIMIT + 5; i++) {
      const credited = await creditProof(db, {
        binding: challengeBinding(`rate-limit-${i}`),
        target,
        request: { claims: {}, tokenLifetimeMs: 60_000, digest: 'd', description: undefined },
        payableUntil: new Date(Date.now() + 60_000),
        clientIp: client,
        payment: {
          network: 'anvil',
          txHash: `0x${(0xa000 + i).toString(16).padStart(64, '0')}`,
          logIndex: 0,
          payer: '0x00000000000000000000000000000000000000a1',
          payTo: '0x00000000000000000000000000000000000000b2',
          asset: USDC.toLowerCase(),
          amountAtomic: 1_000_000n,
          blockNumber: 1n,
          blockHash: `0x${'c'.repeat(64)}`,
          status: 'redeemed',
        },
      });
      expect(credited.ok).toBe(true);
    }
    await expect(
      createInvoice(deps, { target, request, clientIp: client, source: 'pay_page' }),
    ).resolves.toMatchObject({ status: 'pending' });
  });

  it(`${PARALLEL} parallel invoices from one client against a limit of ${LIMIT}: exactly ${LIMIT} pass`, async () => {
    const results = await Promise.allSettled(
      Array.from({ length: PARALLEL }, () =>
        createInvoice(deps, { target, request, clientIp: '198.51.100.7', source: 'pay_page' }),
      ),
    );
    const passed = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect({ passed: passed.length, refused: refused.length }).toEqual({
      passed: LIMIT,
      refused: PARALLEL - LIMIT,
    });
    for (const err of refused) {
      expect(err).toBeInstanceOf(RateLimitedError);
      expect(err).toMatchObject({ code: 'rate_limited', status: 429 });
      // Until the oldest counted invoice leaves the one-minute window.
      expect((err as RateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect((err as RateLimitedError).retryAfterSeconds).toBeLessThanOrEqual(60);
    }
    const stored = await db.query<{ n: string }>('SELECT count(*) AS n FROM invoices WHERE client_ip = $1', [
      '198.51.100.7',
    ]);
    expect(Number(stored.rows[0]!.n)).toBe(LIMIT);
    // Another client is not affected.
    await expect(
      createInvoice(deps, { target, request, clientIp: '198.51.100.8', source: 'pay_page' }),
    ).resolves.toMatchObject({
      status: 'pending',
    });
  });
});

describe('invoice rate limit over HTTP on PostgreSQL', () => {
  let cluster: TestPostgres;
  let chain: ChainFixture;
  let p: PortalFixture;
  beforeAll(async () => {
    cluster = await startPostgres();
    chain = await startChain();
    p = await startPortal(chain, { databaseUrl: await cluster.createDatabase(), rateLimit: LIMIT });
  });
  afterAll(async () => {
    await p?.close();
    await chain?.close();
    await cluster?.stop();
  });

  it(`${PARALLEL} parallel pay-page visits from one address: ${LIMIT} invoices, the rest 429 rate_limited with Retry-After`, async () => {
    const ref = p.payLink({ ...target, resource: '/premium', originalUri: '/premium', request: p.wire() });
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        fetch(`${p.portal.publicUrl}/_402/pay?ref=${ref}`, {
          redirect: 'manual',
          headers: { accept: 'application/json' },
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect({
      created: statuses.filter((s) => s === 303).length,
      limited: statuses.filter((s) => s === 429).length,
    }).toEqual({ created: LIMIT, limited: PARALLEL - LIMIT });
    for (const a of answers.filter((x) => x.status === 429)) {
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await a.json()) as { reason: string }).reason).toBe('rate_limited');
    }
    // A browser gets the HTML error page, with the same Retry-After.
    const html = await fetch(`${p.portal.publicUrl}/_402/pay?ref=${ref}`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    expect(html.status).toBe(429);
    expect(Number(html.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await html.text()).toContain('rate_limited');
  });
});
