// Sites through the admin API on real PostgreSQL, with two portal replicas on one database: every
// write validated (all problems at once, stable reasons), host patterns never shared by two enabled
// sites, and a change made on one replica served by the other within its poll, without a restart.
// A site's leases, pay-page invoices and addresses come from its own xpub.
import { HDNodeWallet } from 'ethers';
import { checksumEvmAddress, PORTAL_API_PATHS, REASONS } from '@turnpike/protocol';
import { createXpubDeriver, walletIdOf } from '../../src/addresses/xpub-deriver.js';
import { DEV_MNEMONIC } from '../../../tests/support/anvil.js';
import { startPostgres, type TestPostgres } from '../../../tests/support/postgres.js';
import { DEV_XPUB, startChain, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, type PortalFixture } from '../support/portal-fixture.js';

/** A second wallet: the dev mnemonic's account m/44'/60'/2', watch-only. */
const XPUB_B = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/2'").neuter().extendedKey;
const POLL_MS = 200;

let pg: TestPostgres;
let chain: ChainFixture;
let a: PortalFixture;
let b: PortalFixture;

beforeAll(async () => {
  pg = await startPostgres();
  chain = await startChain();
  const databaseUrl = await pg.createDatabase('sites');
  const extra = { sites: { pollMs: POLL_MS } };
  a = await startPortal(chain, { databaseUrl, admin: true, extra });
  // The second replica shares the database and the internal secret's role but not its memory.
  b = await startPortal(chain, { databaseUrl, admin: true, extra });
}, 120_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await chain?.close();
  await pg?.stop();
});

async function internalSites(f: PortalFixture, etag?: string): Promise<Response> {
  return fetch(`${f.portal.internalUrl}${PORTAL_API_PATHS.sites}`, {
    headers: {
      authorization: `Bearer ${f.internalToken}`,
      ...(etag === undefined ? {} : { 'if-none-match': etag }),
    },
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('admin API', () => {
  test('lists the config-file site default, read-only', async () => {
    const res = await a.admin('/sites');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { sites: Array<{ id: string; source?: string }> };
    expect(body.sites[0]).toMatchObject({ id: 'default', source: 'config' });
    const write = await a.admin('/sites', { body: { id: 'default', hosts: ['x.example'] } });
    expect(write.status).toBe(409);
    expect(await write.json()).toMatchObject({ reason: REASONS.SITE_DEFAULT_READ_ONLY });
    expect(
      (await a.admin('/sites/default', { method: 'PATCH', body: { hosts: ['y.example'] } })).status,
    ).toBe(409);
  });

  test('creates, reads, updates and disables a site; version and updatedAt move on every change', async () => {
    const created = await a.admin('/sites', {
      body: {
        id: 'shop-a',
        hosts: ['shop-a.example', '*.shop-a.example'],
        wallets: { evm: { xpub: XPUB_B } },
        branding: { name: 'Shop A' },
      },
    });
    expect(created.status).toBe(201);
    const site = (await created.json()) as { version: number; updatedAt: string; enabled: boolean };
    expect(site).toMatchObject({
      id: 'shop-a',
      version: 1,
      enabled: true,
      limits: {},
      wallets: { evm: { xpub: XPUB_B } },
    });

    const read = await a.admin('/sites/shop-a');
    expect(await read.json()).toEqual(site);

    const patched = await a.admin('/sites/shop-a', {
      method: 'PATCH',
      body: { branding: { name: 'Shop A2' } },
    });
    expect(patched.status).toBe(200);
    const after = (await patched.json()) as typeof site & { branding: { name: string }; hosts: string[] };
    expect(after.version).toBe(2);
    expect(after.branding.name).toBe('Shop A2');
    // What the patch left out is kept.
    expect(after.hosts).toEqual(['shop-a.example', '*.shop-a.example']);
    expect(Date.parse(after.updatedAt)).toBeGreaterThanOrEqual(Date.parse(site.updatedAt));

    const again = await a.admin('/sites', { body: { id: 'shop-a', hosts: ['other.example'] } });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ reason: REASONS.SITE_EXISTS });
  });

  test('refuses a host pattern another enabled site has (409 site_hosts_overlap), allows it once that site is disabled', async () => {
    await a.admin('/sites', { body: { id: 'overlap-1', hosts: ['api.overlap.example'] } });
    const clash = await a.admin('/sites', { body: { id: 'overlap-2', hosts: ['*.overlap.example'] } });
    expect(clash.status).toBe(409);
    const body = (await clash.json()) as { reason: string; message: string };
    expect(body.reason).toBe(REASONS.SITE_HOSTS_OVERLAP);
    expect(body.message).toContain('overlap-1');

    const disabled = await a.admin('/sites/overlap-1/disable', { method: 'POST' });
    expect(disabled.status).toBe(200);
    expect(await disabled.json()).toMatchObject({ enabled: false, version: 2 });
    expect(
      (await a.admin('/sites', { body: { id: 'overlap-2', hosts: ['*.overlap.example'] } })).status,
    ).toBe(201);
    // Enabling the first again would now overlap.
    const enable = await a.admin('/sites/overlap-1', { method: 'PATCH', body: { enabled: true } });
    expect(enable.status).toBe(409);
    expect(await enable.json()).toMatchObject({ reason: REASONS.SITE_HOSTS_OVERLAP });
  });

  test('a bad definition is refused with every problem at once (400 site_invalid, issues with paths)', async () => {
    const res = await a.admin('/sites', {
      body: { id: 'Bad Id', hosts: [], wallets: { evm: { xpub: 'nope' } }, tokenLifetimeMs: -1, extra: 1 },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { reason: string; issues: Array<{ path: string }> };
    expect(body.reason).toBe(REASONS.SITE_INVALID);
    expect(body.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['id', 'hosts', 'wallets.evm.xpub', 'tokenLifetimeMs', '(body)']),
    );
    const patch = await a.admin('/sites/shop-a', { method: 'PATCH', body: { id: 'renamed' } });
    expect(patch.status).toBe(400);
    expect(await patch.json()).toMatchObject({ reason: REASONS.SITE_INVALID });
  });

  test('unknown sites are 404 site_not_found; the API needs the admin secret', async () => {
    for (const res of [
      await a.admin('/sites/nope'),
      await a.admin('/sites/nope', { method: 'PATCH', body: { enabled: false } }),
      await a.admin('/sites/nope/disable', { method: 'POST' }),
    ]) {
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ reason: REASONS.SITE_NOT_FOUND });
    }
    expect((await a.admin('/sites', { token: 'wrong-secret-of-some-length' })).status).toBe(401);
  });
});

describe('caches on every replica', () => {
  test('a site created on replica A is served by replica B within its poll; an unchanged list is a 304', async () => {
    await a.admin('/sites', {
      body: { id: 'late', hosts: ['late.example'], wallets: { evm: { xpub: XPUB_B } } },
    });
    const started = Date.now();
    const listed = await waitFor('replica B to list the new site', async () => {
      const body = (await (await internalSites(b)).json()) as {
        version: string;
        sites: Array<{ id: string }>;
      };
      return body.sites.some((s) => s.id === 'late') ? body : undefined;
    });
    expect(Date.now() - started).toBeLessThan(POLL_MS * 10);
    const res = await internalSites(b, `"${listed.version}"`);
    expect(res.status).toBe(304);
    expect(await res.text()).toBe('');
    const site = (listed.sites as Array<{ id: string; payee: { evm?: { walletId: string } } }>).find(
      (s) => s.id === 'late',
    );
    expect(site?.payee.evm?.walletId).toBe(walletIdOf(XPUB_B));
    // Disabled on B, gone from A's list within A's poll.
    await b.admin('/sites/late/disable', { method: 'POST' });
    await waitFor('replica A to drop the disabled site', async () => {
      const body = (await (await internalSites(a)).json()) as { sites: Array<{ id: string }> };
      return body.sites.some((s) => s.id === 'late') ? undefined : true;
    });
  });
});

describe("a site's money goes to its own wallet", () => {
  test('challenge address leases name the site and derive from its xpub', async () => {
    const leased = await a.internal(PORTAL_API_PATHS.addressLeases, { count: 3, site: 'shop-a' });
    expect(leased.status).toBe(200);
    const body = (await leased.json()) as { walletId: string; first: number; addresses: string[] };
    expect(body.walletId).toBe(walletIdOf(XPUB_B));
    const deriver = createXpubDeriver(XPUB_B);
    expect(body.addresses).toEqual(
      [0, 1, 2].map((i) => checksumEvmAddress(deriver.challengeAddress(body.first + i))),
    );
    const other = (await (await a.internal(PORTAL_API_PATHS.addressLeases, { count: 1 })).json()) as {
      walletId: string;
    };
    expect(other.walletId).toBe(walletIdOf(DEV_XPUB));
    const unknown = await a.internal(PORTAL_API_PATHS.addressLeases, { count: 1, site: 'nope' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ reason: REASONS.SITE_NOT_FOUND });
  });

  test("a pay-page invoice on a site's host is that site's, paid to an address of its xpub", async () => {
    const open = async (host: string) => {
      const ref = a.payLink({
        host,
        scheme: 'https',
        resource: '/premium',
        originalUri: '/premium',
        request: a.wire(),
      });
      const res = await fetch(`${a.portal.publicUrl}/_402/pay?ref=${ref}`, { redirect: 'manual' });
      expect(res.status).toBe(303);
      return /\/invoices\/([A-Za-z0-9_-]{22})$/.exec(res.headers.get('location') ?? '')?.[1] as string;
    };
    const siteInvoice = await open('www.shop-a.example');
    const defaultInvoice = await open('plain.example');
    const rows = await a.portal.db.query<{ id: string; site_id: string; pay_to: string; wallet_id: string }>(
      `SELECT i.id, i.site_id, o.pay_to, r.wallet_id FROM invoices i
         JOIN invoice_offers o ON o.invoice_id = i.id
         JOIN receive_addresses r ON r.address = o.pay_to
        WHERE i.id = ANY($1)`,
      [[siteInvoice, defaultInvoice]],
    );
    const of = (id: string) => rows.rows.filter((r) => r.id === id);
    expect(of(siteInvoice).length).toBeGreaterThan(0);
    for (const r of of(siteInvoice))
      expect(r).toMatchObject({ site_id: 'shop-a', wallet_id: walletIdOf(XPUB_B) });
    for (const r of of(defaultInvoice))
      expect(r).toMatchObject({ site_id: 'default', wallet_id: walletIdOf(DEV_XPUB) });
  });

  test("the pay page of a site's invoice shows its branding, under a CSP that admits its logo's origin only", async () => {
    const created = await a.admin('/sites', {
      body: {
        id: 'branded',
        hosts: ['branded.example'],
        wallets: { evm: { xpub: XPUB_B } },
        branding: {
          name: 'Branded <Shop>',
          logoUrl: 'https://cdn.branded.example/logo.png',
          colors: { accent: '#0a0', background: '#fafafa' },
          customization: { css: 'https://cdn.branded.example/pay.css' },
        },
      },
    });
    expect(created.status).toBe(201);
    const ref = a.payLink({
      host: 'branded.example',
      scheme: 'https',
      resource: '/premium',
      originalUri: '/premium',
      request: a.wire(),
    });
    const opened = await fetch(`${a.portal.publicUrl}/_402/pay?ref=${ref}`, { redirect: 'manual' });
    const page = await fetch(`${a.portal.publicUrl}${opened.headers.get('location')}`, {
      headers: { accept: 'text/html' },
    });
    const html = await page.text();
    expect(html).toContain('<span class="tp-site">Branded &lt;Shop&gt;</span>');
    expect(html).toContain(
      '<img class="tp-logo" src="https://cdn.branded.example/logo.png" alt="Branded &lt;Shop&gt;">',
    );
    expect(html).toMatch(/<style nonce="[^"]+">:root\{--tp-accent:#0a0;--tp-bg:#fafafa\}<\/style>/);
    // The site's default customization, since the declaration has none.
    expect(html).toContain('<link rel="stylesheet" href="https://cdn.branded.example/pay.css">');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/img-src 'self' data: https:\/\/cdn\.branded\.example(;|$)/);
    // A default-site invoice has none of it.
    const plain = a.payLink({
      host: 'plain.example',
      scheme: 'https',
      resource: '/premium',
      originalUri: '/premium',
      request: a.wire(),
    });
    const plainOpened = await fetch(`${a.portal.publicUrl}/_402/pay?ref=${plain}`, { redirect: 'manual' });
    const plainView = (await (
      await fetch(`${a.portal.publicUrl}${plainOpened.headers.get('location')}`, {
        headers: { accept: 'application/json' },
      })
    ).json()) as {
      branding?: unknown;
    };
    expect(plainView.branding).toBeUndefined();
  });
});
