// Signed receipts: every credited payment has one, checked against the portal's JWKS, equal to the
// ledger's row; a payer gets theirs with their access token, a pay page links its invoice's; a
// receipt never passes as an access token, and a forged or foreign token gets nothing.
import { generateKeyPairSync } from 'node:crypto';
import { RECEIPT_TYP, receiptClaimsSchema, type ReceiptClaims } from '@turnpike/protocol';
import { getAddress } from 'ethers';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { mine, startChain, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, waitForInvoice, type PortalFixture } from '../support/portal-fixture.js';

const target = {
  host: 'shop.test',
  scheme: 'https',
  resource: '/premium',
  originalUri: '/premium?x=1',
} as const;

let chain: ChainFixture;
let p: PortalFixture;

beforeAll(async () => {
  chain = await startChain();
  p = await startPortal(chain, { confirmations: 1 });
}, 60_000);
afterAll(async () => {
  await p?.close();
  await chain?.close();
});

async function openInvoice(): Promise<{ id: string; cookie: string }> {
  const ref = p.payLink({ ...target, request: p.wire() });
  const res = await fetch(`${p.portal.publicUrl}/_402/pay?ref=${ref}`, { redirect: 'manual' });
  const id = (res.headers.get('location') ?? '').split('/').at(-1)!;
  return { id, cookie: res.headers.getSetCookie()[0]!.split(';')[0]! };
}

async function receiptsOf(res: Response): Promise<Array<{ receipt: string; claims: ReceiptClaims }>> {
  expect(res.status).toBe(200);
  return ((await res.json()) as { receipts: Array<{ receipt: string; claims: ReceiptClaims }> }).receipts;
}

/** Verifies a receipt against the portal's published JWKS, as a payer or their accountant would. */
async function verified(receipt: string): Promise<ReceiptClaims> {
  const jwks = await (await fetch(`${p.portal.publicUrl}/_402/.well-known/jwks.json`)).json();
  const { payload, protectedHeader } = await jwtVerify(receipt, createLocalJWKSet(jwks as never), {
    issuer: 'https://portal.test',
    typ: RECEIPT_TYP,
  });
  expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'k1' });
  return receiptClaimsSchema.parse(payload);
}

describe('receipts of a pay-page payment (USDC on anvil)', () => {
  let id: string;
  let token: string;
  let payTo: string;

  beforeAll(async () => {
    const opened = await openInvoice();
    id = opened.id;
    const early = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/receipt`, {
      headers: { accept: 'application/json' },
    });
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ reason: 'invoice_not_paid' });

    const view = await waitForInvoice(p.portal.publicUrl, id, (v) => v.invoice.status === 'pending');
    payTo = (view as unknown as { offers: Array<{ asset: { symbol: string }; payTo: string }> }).offers.find(
      (o) => o.asset.symbol === 'USDC',
    )!.payTo;
    const pay = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/dev-pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ network: 'anvil', payTo }),
    });
    expect(pay.status).toBe(202);
    await waitForInvoice(p.portal.publicUrl, id, (v) => v.invoice.status === 'confirming');
    await mine(chain, 1);
    await waitForInvoice(p.portal.publicUrl, id, (v) => v.invoice.status === 'paid');
    const done = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/complete`, {
      headers: { 'x-forwarded-host': 'shop.test', accept: 'application/json', cookie: opened.cookie },
    });
    token = ((await done.json()) as { token: string }).token;
  }, 60_000);

  it("says exactly what the ledger credited, signed with the portal's key", async () => {
    const [one, ...more] = await receiptsOf(
      await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/receipt`, {
        headers: { accept: 'application/json' },
      }),
    );
    expect(more).toEqual([]);
    const claims = await verified(one!.receipt);
    expect(claims).toEqual(one!.claims);
    const { rows } = await p.portal.db.query<{
      id: string;
      tx_hash: string;
      log_index: number;
      amount_atomic: string;
      asset: string;
      payer: string;
      created_at: Date;
    }>(
      `SELECT id::text AS id, tx_hash, log_index, amount_atomic::text AS amount_atomic, asset, payer, created_at
         FROM redemptions WHERE invoice_id = $1`,
      [id],
    );
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(claims).toEqual({
      iss: 'https://portal.test',
      jti: row.id,
      iat: Math.floor(new Date(row.created_at).getTime() / 1000),
      site: 'default',
      aud: 'shop.test',
      resource: '/premium',
      invoice: id,
      pay: {
        network: 'anvil',
        caip2: expect.stringMatching(/^eip155:\d+$/),
        tx: row.tx_hash,
        logIndex: Number(row.log_index),
        asset: chain.usdc.address.toLowerCase(),
        symbol: 'USDC',
        decimals: 6,
        amount: '1000000',
        payer: row.payer,
        payTo: payTo.toLowerCase(),
      },
    });
    expect(getAddress(claims.pay.payer!)).toBe(getAddress(chain.payer));
    expect(row.asset).toBe(claims.pay.asset);
    expect(row.amount_atomic).toBe('1000000');
  });

  it("goes to the payer with their access token, even the receipt's own JWS refused as one", async () => {
    const [mine] = await receiptsOf(
      await fetch(`${p.portal.publicUrl}/_402/receipts`, { headers: { authorization: `Bearer ${token}` } }),
    );
    const [byInvoice] = await receiptsOf(
      await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/receipt`, {
        headers: { accept: 'application/json' },
      }),
    );
    expect(mine!.claims).toEqual(byInvoice!.claims);

    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const forged = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'JWT' })
      .sign(privateKey);
    const refusals: Array<[Record<string, string>, string]> = [
      [{}, 'token_missing'],
      [{ authorization: 'Bearer not-a-jwt' }, 'token_malformed'],
      [{ authorization: `Bearer ${forged}` }, 'token_signature_invalid'],
      [{ authorization: `Bearer ${mine!.receipt}` }, 'token_malformed'],
    ];
    for (const [headers, reason] of refusals) {
      const res = await fetch(`${p.portal.publicUrl}/_402/receipts`, { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ reason });
    }
  });

  it('is shown as a page (no script, own styles only) and linked from the paid pay page', async () => {
    const page = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/receipt`, {
      headers: { accept: 'text/html' },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('content-security-policy')).not.toContain('script-src');
    const html = await page.text();
    const { rows } = await p.portal.db.query<{ tx_hash: string }>(
      'SELECT tx_hash FROM redemptions WHERE invoice_id = $1',
      [id],
    );
    expect(html).toContain('1 USDC on anvil');
    expect(html).toContain(rows[0]!.tx_hash);
    expect(html).not.toContain('<script');

    const payPage = await (
      await fetch(`${p.portal.publicUrl}/_402/invoices/${id}`, { headers: { accept: 'text/html' } })
    ).text();
    expect(payPage).toContain(`href="/_402/invoices/${id}/receipt"`);
  });

  it('has nothing for an unknown invoice, and no receipt link on an unpaid pay page', async () => {
    const unknown = await fetch(`${p.portal.publicUrl}/_402/invoices/AAAAAAAAAAAAAAAAAAAAAA/receipt`, {
      headers: { accept: 'application/json' },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ reason: 'invoice_not_found' });
    const fresh = await openInvoice();
    const payPage = await (
      await fetch(`${p.portal.publicUrl}/_402/invoices/${fresh.id}`, { headers: { accept: 'text/html' } })
    ).text();
    expect(payPage).not.toContain('/receipt"');
  });
});
