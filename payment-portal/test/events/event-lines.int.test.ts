/**
 * The portal's event lines and revenue metrics on a real flow: a running portal (PGlite) on anvil
 * with Circle's USDC, a person paying on the pay page (dev-pay, the watcher, /complete) and an API
 * client paying a sealed challenge with a transaction-hash proof. Lines are read as the portal
 * wrote them (raw JSON text).
 */
import { Writable } from 'node:stream';
import { paymentRequestFromJson, settleResponseSchema, toWire } from '@turnpike/protocol';
import { createLogger } from '@turnpike/protocol/service';
import { linesWithDuplicateKeys } from '../../../tests/support/json-keys.js';
import { createTestChallengeMinter } from '../../../tests/support/sealed-challenge.js';
import { mine, startChain, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, waitForInvoice, type PortalFixture } from '../support/portal-fixture.js';

const target = { host: 'shop.test', scheme: 'https', resource: '/premium', originalUri: '/premium' } as const;

let chain: ChainFixture;
let p: PortalFixture;
let text = '';
const lines = () =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const events = (event: string, invoice?: string) =>
  lines().filter((l) => l.event === event && (invoice === undefined || l.invoice === invoice));
const metrics = async () => (await fetch(`${p.portal.publicUrl}/metrics`)).text();
/** The value of one sample, or undefined when the series is absent. */
const sample = (body: string, series: string): number | undefined => {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

beforeAll(async () => {
  chain = await startChain();
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  p = await startPortal(chain, {
    confirmations: 1,
    logger: createLogger({ name: 'payment-portal', level: 'info', destination: stream }),
  });
});
afterAll(async () => {
  await p?.close();
  await chain?.close();
});

describe('event lines and revenue metrics', () => {
  it('pay page: invoice.created, payment.seen, payment.credited, token.issued — once each, with ids and no secrets', async () => {
    const ref = p.payLink({ ...target, request: p.wire() });
    const opened = await fetch(`${p.portal.publicUrl}/_402/pay?ref=${ref}`, { redirect: 'manual' });
    const id = (opened.headers.get('location') ?? '').split('/').at(-1)!;
    const session = opened.headers.getSetCookie()[0]!.split(';')[0]!;
    const view = await waitForInvoice(p.portal.publicUrl, id, (v) => v.invoice.status === 'pending');
    const usdc = view.offers.find((o) => o.asset.symbol === 'USDC')!;
    const pay = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/dev-pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ network: 'anvil', payTo: usdc.payTo }),
    });
    expect(pay.status).toBe(202);
    await waitForInvoice(p.portal.publicUrl, id, (v) => v.invoice.status === 'confirming');
    await mine(chain, 1);
    await waitForInvoice(p.portal.publicUrl, id, (v) => v.invoice.status === 'paid');
    const done = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/complete`, {
      headers: { 'x-forwarded-host': 'shop.test', cookie: session, accept: 'application/json' },
    });
    expect(done.status).toBe(200);
    const { token, claims } = (await done.json()) as {
      token: string;
      claims: { jti: string; exp: number; pay: { tx: string } };
    };

    const created = events('invoice.created', id);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      level: 30,
      msg: 'invoice.created',
      host: 'shop.test',
      resource: '/premium',
      source: 'pay_page',
      offers: [
        { network: 'anvil', asset: 'USDC', amount: '1', amountAtomic: '1000000' },
        { network: 'anvil', asset: 'ETH', amount: '0.001', amountAtomic: '1000000000000000' },
      ],
    });

    const tx = claims.pay.tx;
    const payment = {
      invoice: id,
      host: 'shop.test',
      network: 'anvil',
      asset: 'USDC',
      amount: '1',
      amountAtomic: '1000000',
      tx,
    };
    const seen = events('payment.seen', id);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject(payment);
    const credited = events('payment.credited', id);
    expect(credited).toHaveLength(1);
    expect(credited[0]).toMatchObject({ ...payment, dialect: 'pay_page' });
    expect(typeof credited[0]!.logIndex).toBe('number');

    const issued = events('token.issued', id);
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({
      host: 'shop.test',
      resource: '/premium',
      network: 'anvil',
      tx,
      kid: 'k1',
      jti: claims.jti,
      expiresAt: new Date(claims.exp * 1000).toISOString(),
      dialect: 'pay_page',
    });

    // No token, session secret, internal secret or client address in any line; no key twice.
    for (const secret of [token, token.split('.')[2]!, session.split('=')[1]!, p.internalToken])
      expect(text).not.toContain(secret);
    expect(text).not.toContain('127.0.0.1"');
    expect(linesWithDuplicateKeys(text)).toEqual([]);

    const m = await metrics();
    expect(sample(m, 'turnpike_portal_revenue_total{network="anvil",asset="USDC",host="shop.test"}')).toBe(1);
    expect(
      sample(
        m,
        'turnpike_portal_payments_credited_total{network="anvil",asset="USDC",host="shop.test",dialect="pay_page"}',
      ),
    ).toBe(1);
    const age = sample(m, 'turnpike_portal_chain_head_age_seconds{network="anvil"}');
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(120);
  });

  it('transaction-hash proof of a sealed challenge: payment.credited and token.issued with dialect tx; revenue adds up', async () => {
    const ctx = p.portal.context;
    const mint = createTestChallengeMinter({
      db: p.portal.db,
      deriver: ctx.deriver,
      sealKeys: ctx.sealKeys,
      registry: ctx.registry,
      payee: ctx.payee,
    });
    const json = {
      claims: { tier: 'gold' },
      exp: 3_600_000,
      payment: { requests: [{ network: 'anvil', amount: '2.5', asset: 'USDC' }] },
    };
    const request = paymentRequestFromJson(json, ctx.registry);
    const challenge = await mint(request, { host: 'api.test', resource: '/v1' });
    const tx = (await chain.usdc.transfer(chain.payer, challenge.payTo, 2_500_000n)).toLowerCase();
    await mine(chain, 1);
    const settled = settleResponseSchema.parse(
      await (
        await p.internal('/internal/v1/settle', {
          host: 'api.test',
          scheme: 'https',
          resource: '/v1',
          originalUri: '/v1',
          request: toWire(request),
          proof: { type: 'tx', network: 'anvil', tx, challenge: challenge.id },
          client: { ip: '198.51.100.23' },
        })
      ).json(),
    );
    if (!settled.ok) throw new Error(`refused: ${settled.reason} ${settled.message}`);
    const invoice = (settled.claims.pay as { invoice: string }).invoice;

    const credited = events('payment.credited', invoice);
    expect(credited).toHaveLength(1);
    expect(credited[0]).toMatchObject({
      host: 'api.test',
      network: 'anvil',
      asset: 'USDC',
      amount: '2.5',
      amountAtomic: '2500000',
      tx,
      dialect: 'tx',
    });
    const issued = events('token.issued', invoice);
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({
      host: 'api.test',
      kid: 'k1',
      jti: settled.claims.jti,
      tx,
      dialect: 'tx',
    });
    expect(text).not.toContain(settled.token);
    expect(text).not.toContain('198.51.100.23');
    expect(linesWithDuplicateKeys(text)).toEqual([]);

    const m = await metrics();
    expect(sample(m, 'turnpike_portal_revenue_total{network="anvil",asset="USDC",host="api.test"}')).toBe(
      2.5,
    );
    expect(
      sample(
        m,
        'turnpike_portal_payments_credited_total{network="anvil",asset="USDC",host="api.test",dialect="tx"}',
      ),
    ).toBe(1);
  });
  it('a recorded challenge: invoice.created with source challenge, without the client address', async () => {
    const res = await p.internal('/internal/v1/challenges', {
      ...target,
      host: 'api.test',
      request: p.wire(),
      client: { ip: '198.51.100.77' },
    });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    const created = events('invoice.created', id);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ host: 'api.test', resource: '/premium', source: 'challenge' });
    expect(text).not.toContain('198.51.100.77');
  });
});
