import {
  addressLeaseResponseSchema,
  challengeSchema,
  payeeResponseSchema,
  settleResponseSchema,
  tokenCookieName,
} from '@turnpike/protocol';
import { createXpubDeriver } from '../src/addresses/xpub-deriver.js';
import { DEV_XPUB } from './support/chain-fixture.js';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { getAddress } from 'ethers';
import { mine, startChain, type ChainFixture } from './support/chain-fixture.js';
import { startPortal, waitForInvoice, type PortalFixture } from './support/portal-fixture.js';

const target = {
  host: 'shop.test',
  scheme: 'https',
  resource: '/premium',
  originalUri: '/premium?x=1',
} as const;

describe('payment portal over HTTP, on anvil with Circle USDC', () => {
  let chain: ChainFixture;
  let p: PortalFixture;

  beforeAll(async () => {
    chain = await startChain();
    p = await startPortal(chain, { confirmations: 1 });
  });
  afterAll(async () => {
    await p?.close();
    await chain?.close();
  });

  /** Opens the pay page of a sealed pay link: the invoice id and the browser's session cookie. */
  async function openInvoiceWithSession(): Promise<{ id: string; cookie: string }> {
    const ref = p.payLink({ ...target, request: p.wire() });
    const res = await fetch(`${p.portal.publicUrl}/_402/pay?ref=${ref}`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(/^\/_402\/invoices\/[A-Za-z0-9_-]{22}$/);
    const id = location.split('/').at(-1)!;
    const [session] = res.headers.getSetCookie();
    expect(session).toMatch(
      new RegExp(
        `^402_pay=[A-Za-z0-9_-]{43}; Path=/_402/invoices/${id}; Max-Age=\\d+; HttpOnly; SameSite=Lax; Secure$`,
      ),
    );
    return { id, cookie: session!.split(';')[0]! };
  }
  async function openInvoice(): Promise<string> {
    return (await openInvoiceWithSession()).id;
  }

  it('refuses the internal API without the bearer token', async () => {
    const res = await p.internal('/internal/v1/challenges', { ...target, request: p.wire() }, 'wrong');
    expect(res.status).toBe(401);
  });

  it("describes its payee and leases never-used challenge addresses derived from the owner's xpub", async () => {
    const payee = payeeResponseSchema.parse(
      await (
        await fetch(`${p.portal.internalUrl}/internal/v1/payee`, {
          headers: { authorization: `Bearer ${p.internalToken}` },
        })
      ).json(),
    );
    const deriver = createXpubDeriver(DEV_XPUB);
    expect(payee).toMatchObject({ txNetworks: ['anvil'], evm: { walletId: deriver.walletId } });
    const before = await p.portal.db.query<{ n: string }>('SELECT count(*) AS n FROM invoices');
    const a = addressLeaseResponseSchema.parse(
      await (await p.internal('/internal/v1/address-leases', { count: 3 })).json(),
    );
    const b = addressLeaseResponseSchema.parse(
      await (await p.internal('/internal/v1/address-leases', { count: 2 })).json(),
    );
    expect(b.first).toBe(a.first + 3);
    // EIP-55, as the authorizer hands them to clients (ethers checks the checksum).
    expect([...a.addresses, ...b.addresses]).toEqual(
      [0, 1, 2, 3, 4].map((i) => getAddress(deriver.challengeAddress(a.first + i))),
    );
    expect(a.addresses.some((x) => x !== x.toLowerCase())).toBe(true);
    // A lease advances one cursor row; it writes no invoice.
    const after = await p.portal.db.query<{ n: string }>('SELECT count(*) AS n FROM invoices');
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    const tooMany = await p.internal('/internal/v1/address-leases', { count: 5000 });
    expect(tooMany.status).toBe(400);
  });

  it('pays USDC from the dev account, then issues a scoped cookie (to the browser that opened the invoice only) and redirects to the same path', async () => {
    const { id, cookie } = await openInvoiceWithSession();
    const view = await waitForInvoice(p.portal.publicUrl, id, (v) => v.invoice.status === 'pending');
    const usdcOffer = view.offers.find((o) => o.asset.symbol === 'USDC')!;
    const pay = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/dev-pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ network: 'anvil', payTo: usdcOffer.payTo }),
    });
    expect(pay.status).toBe(202);
    await waitForInvoice(p.portal.publicUrl, id, (v) => v.invoice.status === 'confirming');
    await mine(chain, 1);
    await waitForInvoice(p.portal.publicUrl, id, (v) => v.invoice.status === 'paid');

    // Someone who learnt the invoice's URL (or its transaction hash) but not its browser session.
    for (const other of [undefined, '402_pay=someone-elses-session-secret-000000000000000']) {
      const stranger = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/complete`, {
        redirect: 'manual',
        headers: {
          'x-forwarded-host': 'shop.test',
          accept: 'application/json',
          ...(other ? { cookie: other } : {}),
        },
      });
      expect(stranger.status).toBe(403);
      expect(((await stranger.json()) as { reason: string }).reason).toBe('pay_session_invalid');
      expect(stranger.headers.getSetCookie()).toEqual([]);
    }
    const done = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/complete`, {
      redirect: 'manual',
      headers: { 'x-forwarded-host': 'shop.test', cookie },
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/premium?x=1');
    const cookies = done.headers.getSetCookie();
    const scoped = cookies.find((c) => c.startsWith(`${tokenCookieName('/premium')}=`))!;
    expect(scoped).toContain('HttpOnly');
    expect(scoped).toContain('SameSite=Lax');
    expect(scoped).toContain('Secure');
    expect(scoped).toContain('Path=/premium;');
    const token = scoped.split(';')[0]!.split('=')[1]!;
    const jwks = await (await fetch(`${p.portal.publicUrl}/_402/.well-known/jwks.json`)).json();
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks as never), {
      issuer: 'https://portal.test',
      audience: 'shop.test',
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'k1' });
    expect(payload).toMatchObject({
      resource: '/premium',
      tier: 'gold',
      pay: { network: 'anvil', invoice: id },
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
    expect((await waitForInvoice(p.portal.publicUrl, id, () => true)).invoice.status).toBe('redeemed');

    // A second complete re-issues the same grant: same jti, never a longer lifetime.
    const again = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/complete`, {
      headers: { 'x-forwarded-host': 'shop.test', accept: 'application/json', cookie },
    });
    const body = (await again.json()) as { claims: { jti: string; exp: number } };
    expect(body.claims.jti).toBe(payload.jti);
    expect(body.claims.exp).toBe(payload.exp);
  });

  it('does not complete an unpaid invoice, nor one asked for from another host', async () => {
    const { id, cookie } = await openInvoiceWithSession();
    const early = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/complete`, {
      headers: { 'x-forwarded-host': 'shop.test', accept: 'application/json', cookie },
    });
    expect(await early.clone().text()).toContain('invoice_not_paid');
    expect(early.status).toBe(409);
    expect(early.headers.getSetCookie()).toEqual([]);
    await p.portal.db.query(`UPDATE invoices SET status = 'paid' WHERE id = $1`, [id]);
    const elsewhere = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/complete`, {
      redirect: 'manual',
      headers: { 'x-forwarded-host': 'evil.test', accept: 'application/json', cookie },
    });
    expect(elsewhere.status).toBe(400);
    expect(((await elsewhere.json()) as { reason: string }).reason).toBe('redirect_invalid');
  });

  it('refuses a tampered pay link and a tampered invoice id', async () => {
    const ref = p.payLink({ ...target, request: p.wire() });
    const [payload, mac] = ref.split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
      q: { offers: Array<{ atomic: string; amount: string }> };
    };
    decoded.q.offers[0]!.atomic = '1';
    decoded.q.offers[0]!.amount = '0.000001';
    const forged = `${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${mac}`;
    const res = await fetch(`${p.portal.publicUrl}/_402/pay?ref=${forged}`, {
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { reason: string }).reason).toBe('reference_invalid');
    // A browser gets a page saying so, not JSON.
    const page = await fetch(`${p.portal.publicUrl}/_402/pay?ref=${forged}`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('invalid or has expired');

    const id = await openInvoice();
    const other = id.slice(0, -1) + (id.endsWith('A') ? 'B' : 'A');
    const missing = await fetch(`${p.portal.publicUrl}/_402/invoices/${other}`, {
      headers: { accept: 'application/json' },
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { reason: string }).reason).toBe('invoice_not_found');
  });

  // Even a correctly sealed link (the authorizer never seals these) is checked again at /pay.
  it.each([
    ['a scheme-relative URI', '//evil.test/premium', 'redirect_invalid'],
    ['a path outside the resource', '/other', 'redirect_invalid'],
    ['a dot-segment escape', '/premium/../admin', 'redirect_invalid'],
  ])('refuses a return address that is %s', async (_what, originalUri, reason) => {
    const ref = p.payLink({ ...target, originalUri, request: p.wire() });
    const res = await fetch(`${p.portal.publicUrl}/_402/pay?ref=${ref}`, {
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { reason: string }).reason).toBe(reason);
  });

  it('refuses a javascript: customization URL', async () => {
    const wire = { ...p.wire(), customization: { js: 'javascript:alert(1)' } };
    const ref = p.payLink({ ...target, request: wire });
    const res = await fetch(`${p.portal.publicUrl}/_402/pay?ref=${ref}`, {
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { reason: string }).reason).toBe('customization_url_invalid');
  });

  it('answers challenges with a unique receive address per offer, and settle refuses an unknown tx and an x402 proof it is not configured for', async () => {
    const body = { ...target, request: p.wire(), client: { ip: '198.51.100.7' } };
    const a = challengeSchema.parse(await (await p.internal('/internal/v1/challenges', body)).json());
    const b = challengeSchema.parse(await (await p.internal('/internal/v1/challenges', body)).json());
    const addresses = [...a.offers, ...b.offers].map((o) => o.payTo);
    expect(new Set(addresses).size).toBe(4);
    expect(a.offers[0]).toMatchObject({
      network: 'anvil',
      caip2: 'eip155:31337',
      asset: { symbol: 'USDC', kind: 'erc20' },
      amount: '1',
      atomic: '1000000',
    });

    const settle = settleResponseSchema.parse(
      await (
        await p.internal('/internal/v1/settle', {
          ...target,
          request: p.wire(),
          proof: { type: 'tx', network: 'anvil', tx: `0x${'ab'.repeat(32)}`, challenge: a.id },
        })
      ).json(),
    );
    expect(settle).toMatchObject({ ok: false, reason: 'payment_not_found' });
    // No `proofs.x402` in this config: x402 has no verifier.
    const x402 = settleResponseSchema.parse(
      await (
        await p.internal('/internal/v1/settle', {
          ...target,
          request: p.wire(),
          proof: { type: 'x402', version: 2, payload: { x402Version: 2 } },
        })
      ).json(),
    );
    expect(x402).toMatchObject({ ok: false, reason: 'proof_unsupported' });
  });

  it('credits a payment made after expiry, keeps it expired and flags it late', async () => {
    const id = await openInvoice();
    await p.portal.db.query(`UPDATE invoices SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      id,
    ]);
    const expired = await waitForInvoice(p.portal.publicUrl, id, (v) => v.invoice.status === 'expired');
    const eth = expired.offers.find((o) => o.asset.symbol === 'ETH')!;
    const pay = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/dev-pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ network: 'anvil', payTo: eth.payTo }),
    });
    expect(pay.status).toBe(202);
    await mine(chain, 1);
    const late = await waitForInvoice(p.portal.publicUrl, id, (v) => v.invoice.lateCredited === true);
    expect(late.invoice.status).toBe('expired');
    const metrics = await (await fetch(`${p.portal.publicUrl}/metrics`)).text();
    expect(metrics).toMatch(/turnpike_portal_late_payments_total\{network="anvil"\} 1/);
  });

  it('streams the invoice state as Server-Sent Events', async () => {
    const id = await openInvoice();
    const controller = new AbortController();
    const res = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/events`, {
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    controller.abort();
    const text = new TextDecoder().decode(value);
    expect(text).toContain('event: state');
    expect(text).toContain(`"id":"${id}"`);
  });

  it('serves the pay page assets, and 404 for one that does not exist', async () => {
    const css = await fetch(`${p.portal.publicUrl}/_402/assets/pay.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    const missing = await fetch(`${p.portal.publicUrl}/_402/assets/../../etc/passwd`);
    expect(missing.status).toBe(404);
    const nothing = await fetch(`${p.portal.publicUrl}/_402/assets/nope.js`);
    expect(nothing.status).toBe(404);
  });

  it('serves the pay page as HTML with a Content-Security-Policy', async () => {
    const id = await openInvoice();
    const res = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}`, {
      headers: { accept: 'text/html' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await res.text()).toContain('<!doctype html>');
  });
});

describe('invoice rate limit', () => {
  let chain: ChainFixture;
  let p: PortalFixture;
  beforeAll(async () => {
    chain = await startChain();
    p = await startPortal(chain, { rateLimit: 2 });
  });
  afterAll(async () => {
    await p?.close();
    await chain?.close();
  });

  it('refuses the third challenge per minute from one client', async () => {
    const body = { ...target, request: p.wire(), client: { ip: '203.0.113.9' } };
    expect((await p.internal('/internal/v1/challenges', body)).status).toBe(200);
    expect((await p.internal('/internal/v1/challenges', body)).status).toBe(200);
    const third = await p.internal('/internal/v1/challenges', body);
    expect(third.status).toBe(429);
    expect(((await third.json()) as { reason: string }).reason).toBe('rate_limited');
    expect(
      (await p.internal('/internal/v1/challenges', { ...body, client: { ip: '203.0.113.10' } })).status,
    ).toBe(200);
  });
});
