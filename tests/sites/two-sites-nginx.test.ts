/**
 * Two sites on one Turnpike (docs/sites.md), every part real: anvil with Circle's USDC, two portal
 * replicas on one PostgreSQL, two authorizers each behind its own NGINX running the shipped config.
 * The config-file site `default` (shop-a.test) pays into the dev xpub; `shop-b`, added through the
 * admin API (the `turnpike sites add` command's code) while everything runs, pays into a second
 * xpub. Each site's 402 pays into its own wallet, each token opens only its own site (even where
 * aud and resource are equal), revenue is counted per site, and the new site is served by both
 * authorizers within seconds, without a restart.
 */
import { getAddress, HDNodeWallet } from 'ethers';
import { decodeJwt } from 'jose';
import { privateKeyToAccount } from 'viem/accounts';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { startAuthzService, type AuthzServiceHandle } from '@turnpike/authz-service';
import { createXpubDeriver, walletIdOf } from '@turnpike/payment-portal';
import { REASONS } from '@turnpike/protocol';
import { createLogger } from '@turnpike/protocol/service';
import { sitesAdd } from '../../cli/src/commands/sites-add.js';
import { sitesDisable } from '../../cli/src/commands/sites-disable.js';
import { sitesList } from '../../cli/src/commands/sites-list.js';
import type { CliIo } from '../../cli/src/io.js';
import { DEV_RECEIVE_XPUB } from '../../deploy/dev/portal-config.js';
import { DEV_MNEMONIC } from '../support/anvil.js';
import { startGateway, type RunningGateway } from '../support/gateways.js';
import {
  PAY_NETWORK,
  PRICE,
  startPaymentStack,
  USDC_PRICE_ATOMIC,
  type PaymentStack,
} from '../support/payments.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { waitForReady } from '../support/wait-for-402.js';
import {
  offerFor,
  pay,
  refusalOf,
  retryWhilePending,
  retryWithProof,
  zelfProofClient,
} from '../payments/zelfproof-client.js';
import { firstRequirement, paymentSignature } from '../payments/x402-payload.js';

/** Site b's wallet: the dev mnemonic's account m/44'/60'/2' (the default site's is 1'). */
const XPUB_B = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/2'").neuter().extendedKey;
const HOST_A = 'shop-a.test';
const HOST_B = 'shop-b.test';
/** How long a change may take to reach every replica here (polls of 250 ms on both sides). */
const PROPAGATION_LIMIT_MS = 10_000;

let pg: TestPostgres;
let stack: PaymentStack;
let authz2: AuthzServiceHandle;
let gateway2: RunningGateway;

beforeAll(async () => {
  pg = await startPostgres();
  stack = await startPaymentStack({
    gateway: 'nginx',
    portals: 2,
    databaseUrl: await pg.createDatabase('two_sites'),
    admin: true,
    upstreamHosts: [HOST_A],
    portalConfig: { sites: { pollMs: 250 } },
    authz: {
      challenges: { sitesRefreshMs: 250 },
      // A static route of the config file (the default site's) naming shop-b.test: it prices that
      // host only while no other site owns it.
      routes: [
        {
          name: 'config-route-on-b',
          hosts: [HOST_B],
          paths: ['/premium/**'],
          request: {
            ...PRICE,
            payment: { requests: [{ network: PAY_NETWORK, amount: '0.05', asset: 'USDC' }] },
          },
        },
      ],
    },
  });
  authz2 = await startAuthzService(stack.authzConfig, {
    logger: createLogger({ name: 'authz-sites-2', level: 'silent' }),
  });
  gateway2 = await startGateway('nginx', {
    authz: `127.0.0.1:${authz2.httpPort}`,
    portal: new URL(stack.portals[1]!.publicUrl).host,
    upstream: stack.upstream.address,
  });
  await waitForReady(`http://127.0.0.1:${authz2.httpPort}/readyz`);
}, 180_000);

afterAll(async () => {
  await gateway2?.stop();
  await authz2?.close();
  await stack?.close();
  await pg?.stop();
});

const gateways = () => [stack.baseUrl, `http://127.0.0.1:${gateway2.port}`];

function client(baseUrl: string, host: string): AxiosInstance {
  const c = zelfProofClient(baseUrl);
  c.defaults.headers.common['host'] = host;
  // A redirect is an answer here, never followed (the test hosts do not resolve).
  c.defaults.maxRedirects = 0;
  return c;
}

const io = (): CliIo => ({
  out: () => undefined,
  err: () => undefined,
  readStdin: async () => '',
  env: { TURNPIKE_ADMIN_TOKEN: stack.adminToken },
});
const admin = (replica: number) => ({ adminUrl: stack.portals[replica]!.adminUrl! });

/** Polls `check` (true = done; else what it saw) until done, failing after PROPAGATION_LIMIT_MS. */
async function until(what: string, check: () => Promise<true | string>): Promise<number> {
  const started = Date.now();
  for (;;) {
    const seen = await check();
    if (seen === true) return Date.now() - started;
    if (Date.now() - started > PROPAGATION_LIMIT_MS)
      throw new Error(`not within ${PROPAGATION_LIMIT_MS} ms: ${what} (last seen: ${seen})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Pays the USDC offer of a 402 for `path` on `host` and returns the token and the challenge's address. */
async function buy(baseUrl: string, host: string, path: string, payer: number) {
  const c = client(baseUrl, host);
  const first = await c.get(path);
  const refusal = refusalOf(first);
  const offer = offerFor(refusal.details, PAY_NETWORK, 'USDC');
  const tx = await pay(stack.payers[payer]!.wallet, offer);
  const proof = { chain: PAY_NETWORK, tx, challenge: refusal.details.challengeId };
  let paid = await retryWithProof(c, path, proof);
  if (paid.status === 402) {
    await stack.mine(1);
    paid = await retryWhilePending(c, path, proof, 1);
  }
  expect({ status: paid.status, body: paid.status === 200 ? undefined : paid.data }).toEqual({
    status: 200,
    body: undefined,
  });
  const token = paid.headers['x-402-token'] as string;
  expect(token).toMatch(/^ey/);
  const x402 = (first.data as { accepts?: Array<{ payTo: string }> }).accepts ?? [];
  return { token, payTo: offer.payTo, x402PayTo: x402.map((a) => a.payTo.toLowerCase()) };
}

async function challengeWallet(payTo: string): Promise<{ wallet_id: string; derivation_index: string }> {
  const r = await stack.portal.db.query<{ wallet_id: string; derivation_index: string }>(
    'SELECT wallet_id, derivation_index::text FROM challenge_addresses WHERE address = $1',
    [payTo.toLowerCase()],
  );
  expect(r.rows).toHaveLength(1);
  return r.rows[0]!;
}

/** true when `res` has `status`, else a short description of what came back. */
function seen(res: AxiosResponse, status: number): true | string {
  if (res.status === status) return true;
  const reason = (res.data as { reason?: string } | undefined)?.reason;
  return `${res.status} ${reason ?? ''} ${res.headers.location ?? ''}`.trim();
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

let tokenA: string;
let tokenB: string;

test("a site added through the admin API is served by both authorizers within seconds, without a restart; the config's static routes no longer price its host", async () => {
  const usdcAtomic = async (base: string) =>
    offerFor(refusalOf(await client(base, HOST_B).get('/premium/b')).details, PAY_NETWORK, 'USDC').atomic;
  // Before: the config's static route prices shop-b.test.
  for (const base of gateways()) expect(await usdcAtomic(base)).toBe('50000');
  // Added on the second portal replica; the authorizers poll the first (and the second, in turn).
  await sitesAdd(io(), 'shop-b', {
    ...admin(1),
    host: [HOST_B],
    upstream: stack.upstream.baseUrl,
    evmXpub: XPUB_B,
    name: 'Shop B',
  });
  for (const base of gateways())
    await until(`${base} prices ${HOST_B} by shop-b's own upstream`, async () => {
      const atomic = await usdcAtomic(base);
      return atomic === USDC_PRICE_ATOMIC.toString() ? true : `USDC ${atomic}`;
    });
  const listed = (await sitesList(io(), admin(0))).data as { sites: Array<{ id: string }> };
  expect(listed.sites.map((s) => s.id)).toEqual(['default', 'shop-b']);
});

test("each site's 402 pays into its own wallet, and each payment opens its own site", async () => {
  const b = await buy(stack.baseUrl, HOST_B, '/premium/b', 0);
  const a = await buy(`http://127.0.0.1:${gateway2.port}`, HOST_A, '/premium/a', 1);
  tokenA = a.token;
  tokenB = b.token;

  // The transaction paid a challenge address derived from each site's own xpub.
  const walletB = await challengeWallet(b.payTo);
  expect(walletB.wallet_id).toBe(walletIdOf(XPUB_B));
  expect(createXpubDeriver(XPUB_B).challengeAddress(Number(walletB.derivation_index))).toBe(
    b.payTo.toLowerCase(),
  );
  const walletA = await challengeWallet(a.payTo);
  expect(walletA.wallet_id).toBe(walletIdOf(DEV_RECEIVE_XPUB));
  expect(createXpubDeriver(DEV_RECEIVE_XPUB).challengeAddress(Number(walletA.derivation_index))).toBe(
    a.payTo.toLowerCase(),
  );
  // x402 offers pay each site's own fixed x402 address (<xpub>/2/0).
  expect(b.x402PayTo).toContain(createXpubDeriver(XPUB_B).address([2, 0]));
  expect(a.x402PayTo).toContain(createXpubDeriver(DEV_RECEIVE_XPUB).address([2, 0]));
  expect(b.x402PayTo).not.toContain(createXpubDeriver(DEV_RECEIVE_XPUB).address([2, 0]));
});

test('each token opens only its own site, through either authorizer', async () => {
  for (const base of gateways()) {
    expect((await client(base, HOST_B).get('/premium/b', bearer(tokenB))).status).toBe(200);
    expect((await client(base, HOST_A).get('/premium/a', bearer(tokenA))).status).toBe(200);
    expect((await client(base, HOST_A).get('/premium/a', bearer(tokenB))).status).toBe(402);
    expect((await client(base, HOST_B).get('/premium/b', bearer(tokenA))).status).toBe(402);
  }
});

test("x402 on a site pays that site's own x402 address; an authorization paying another site's is refused", async () => {
  const c = client(stack.baseUrl, HOST_B);
  const first = await c.get('/premium/x402');
  expect(first.status).toBe(402);
  const accepted = firstRequirement(first.headers['payment-required'] as string);
  const siteB = createXpubDeriver(XPUB_B).address([2, 0]);
  expect(accepted.payTo.toLowerCase()).toBe(siteB);
  const signer = privateKeyToAccount(stack.payers[2]!.privateKey);

  // Signed to the default site's x402 address, presented on shop-b's host: not shop-b's money.
  const elsewhere = getAddress(createXpubDeriver(DEV_RECEIVE_XPUB).address([2, 0])) as `0x${string}`;
  const wrong = await c.get('/premium/x402', {
    headers: { 'payment-signature': await paymentSignature(signer, { ...accepted, payTo: elsewhere }) },
  });
  expect(wrong.status).not.toBe(200);
  expect(wrong.headers['x-402-reason']).toBe(REASONS.X402_RECIPIENT_MISMATCH);

  const before = await stack.usdc.balanceOf(siteB);
  const paid = await c.get('/premium/x402', {
    headers: { 'payment-signature': await paymentSignature(signer, accepted) },
  });
  expect(paid.status).toBe(200);
  expect((await stack.usdc.balanceOf(siteB)) - before).toBe(USDC_PRICE_ATOMIC);
  expect(decodeJwt(paid.headers['x-402-token'] as string)).toMatchObject({ aud: HOST_B, site: 'shop-b' });
});

test("each site's revenue is separate", async () => {
  const r = await stack.portal.db.query<{ site_id: string; payments: string; total: string }>(
    `SELECT i.site_id, count(*)::text AS payments, sum(r.amount_atomic)::text AS total
       FROM redemptions r JOIN invoices i ON i.id = r.invoice_id GROUP BY i.site_id ORDER BY i.site_id`,
  );
  expect(r.rows).toEqual([
    { site_id: 'default', payments: '1', total: USDC_PRICE_ATOMIC.toString() },
    { site_id: 'shop-b', payments: '2', total: (2n * USDC_PRICE_ATOMIC).toString() },
  ]);
});

test("a token never opens another site's host, even with the same aud and resource", async () => {
  // shop-c takes over shop-a.test: token A (default's, aud shop-a.test, resource /premium) no longer opens it.
  await sitesAdd(io(), 'shop-c', { ...admin(0), host: [HOST_A], evmXpub: XPUB_B });
  for (const base of gateways())
    await until(`${base} refuses token A on ${HOST_A}`, async () => {
      const res = await client(base, HOST_A).get('/premium/a', bearer(tokenA));
      return (res.data as { reason?: string }).reason === REASONS.TOKEN_SITE_MISMATCH
        ? seen(res, 402)
        : seen(res, -1);
    });
  // Disabled again: the host is default's once more, and the token opens it.
  await sitesDisable(io(), 'shop-c', admin(1));
  for (const base of gateways())
    await until(`${base} lets token A in again`, async () => {
      return seen(await client(base, HOST_A).get('/premium/a', bearer(tokenA)), 200);
    });
});

test('with every portal replica down, both authorizers keep the sites they had: tokens still open only their own site', async () => {
  for (const portal of stack.portals) await portal.close();
  // Several failed polls later (250 ms each), the last good copy is still the one in use.
  await new Promise((r) => setTimeout(r, 1_500));
  for (const base of gateways()) {
    expect((await client(base, HOST_B).get('/premium/b', bearer(tokenB))).status).toBe(200);
    expect((await client(base, HOST_A).get('/premium/a', bearer(tokenA))).status).toBe(200);
    const crossed = await client(base, HOST_B).get('/premium/b', bearer(tokenA));
    expect(crossed.status).not.toBe(200);
  }
});
