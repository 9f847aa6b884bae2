/**
 * Price models through real NGINX (the shipped integrations/ config), two authorizer replicas
 * behind a round-robin proxy and a second NGINX asking only the first replica, a real PostgreSQL
 * shared by the portal, anvil with Circle's USDC. Each payment is a real USDC transfer presented
 * as a transaction-hash proof; the request that presents it is the token's first use.
 */
import pg from 'pg';
import { REASONS } from '@turnpike/protocol';
import { FREE_TIER_CALLS_PER_MINUTE_PER_PAYER } from '../../payment-portal/src/credits/internal-routes.js';
import { startGateway, type RunningGateway } from '../support/gateways.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { startPaymentStack, type PaymentStack } from '../support/payments.js';
import {
  startPricingUpstream,
  CREDITS_PER_PAYMENT,
  FREE_PERIOD_SECONDS,
  FREE_REQUESTS,
} from './pricing-upstream.js';
import { bearer, burst, claimsOf, countStatus, get, jtiOf, payFor, replay } from './pricing-client.js';

describe('price models through NGINX', () => {
  let postgres: TestPostgres;
  let stack: PaymentStack;
  /** NGINX whose auth requests all go to the first authorizer replica. */
  let single: RunningGateway;
  let singleUrl: string;
  let db: pg.Client;

  beforeAll(async () => {
    postgres = await startPostgres();
    const databaseUrl = await postgres.createDatabase();
    stack = await startPaymentStack({
      gateway: 'nginx',
      databaseUrl,
      upstream: await startPricingUpstream(),
      authzReplicas: 2,
      authz: { credits: { blockRequests: 4 } },
    });
    single = await startGateway('nginx', {
      authz: `127.0.0.1:${stack.authz.httpPort}`,
      portal: new URL(stack.portal.publicUrl).host,
      upstream: stack.upstream.address,
    });
    singleUrl = `http://127.0.0.1:${single.port}`;
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  }, 180_000);
  afterAll(async () => {
    await db?.end();
    await single?.stop();
    await stack?.close();
    await postgres?.stop();
  });

  const balance = async (jti: string): Promise<{ total: bigint; remaining: bigint; leased: bigint }> => {
    const r = await db.query<{ total: string; remaining: string; leased: string }>(
      `SELECT b.total::text AS total, b.remaining::text AS remaining,
              COALESCE((SELECT sum(amount) FROM credit_leases l WHERE l.token_jti = b.token_jti), 0)::text AS leased
       FROM credit_balances b WHERE b.token_jti = $1`,
      [jti],
    );
    const row = r.rows[0];
    if (row === undefined) throw new Error(`no balance for ${jti}`);
    return { total: BigInt(row.total), remaining: BigInt(row.remaining), leased: BigInt(row.leased) };
  };
  const held = (jti: string): bigint => stack.authzs.reduce((sum, a) => sum + a.credits.held(jti), 0n);

  it('per-request: one payment admits exactly one request; the token and the proof replayed are refused on every replica', async () => {
    const path = '/single/one/report';
    const hits = stack.appHits('/single/one');
    const paid = await payFor(stack, stack.baseUrl, path, stack.payers[0]!);
    expect([paid.status, paid.reason]).toEqual([200, undefined]);
    expect(claimsOf(paid.token)['meter']).toBe('per-request');
    expect(await balance(jtiOf(paid.token))).toMatchObject({ total: 1n });

    // The token again, through each replica in turn, and through the one-replica gateway.
    for (const base of [stack.baseUrl, stack.baseUrl, singleUrl]) {
      const again = await get(base, path, { headers: bearer(paid.token) });
      expect(again.status).toBe(402);
      expect(again.reason).toBe(REASONS.CREDITS_EXHAUSTED);
    }
    // The proof replayed without the token: the portal answers its grant again, whose credit is spent.
    for (const base of [stack.baseUrl, stack.baseUrl, singleUrl]) {
      const replayed = await replay(base, path, paid.proof);
      expect(replayed.status).toBe(402);
      expect(replayed.reason).toBe(REASONS.CREDITS_EXHAUSTED);
    }
    expect(stack.appHits('/single/one')).toBe(hits + 1);
  }, 120_000);

  it.each<[string, () => string]>([
    ['one authorizer', () => singleUrl],
    ['two authorizer replicas', () => stack.baseUrl],
  ])(
    'credits: a 50-credit token admits exactly 50 requests when 100 come at once (%s)',
    async (name, base) => {
      const scope = `/credits/${name.startsWith('one') ? 'one' : 'two'}`;
      const hits = stack.appHits(scope);
      const paid = await payFor(stack, base(), `${scope}/first`, stack.payers[1]!);
      expect([paid.status, paid.reason]).toEqual([200, undefined]);
      const jti = jtiOf(paid.token);
      expect(claimsOf(paid.token)['meter']).toBe('credits');

      const answers = await burst(100, () => get(base(), `${scope}/item`, { headers: bearer(paid.token) }));
      expect(countStatus(answers, 200)).toBe(CREDITS_PER_PAYMENT - 1);
      expect(countStatus(answers, 402)).toBe(100 - (CREDITS_PER_PAYMENT - 1));
      expect(
        answers.filter((a) => a.status === 402).every((a) => a.reason === REASONS.CREDITS_EXHAUSTED),
      ).toBe(true);
      expect(stack.appHits(scope)).toBe(hits + CREDITS_PER_PAYMENT);
      // Everything was spent: nothing left in the database, nothing held by a replica.
      const after = await balance(jti);
      expect(after.remaining).toBe(0n);
      expect(held(jti)).toBe(0n);
    },
    120_000,
  );

  it('a spent balance answers a 402 whose offer is the top-up: a new payment opens a new token with a new balance', async () => {
    const scope = '/credits/two';
    const spentToken = await (async () => {
      const paid = await payFor(stack, stack.baseUrl, `${scope}/again`, stack.payers[2]!);
      await burst(CREDITS_PER_PAYMENT, () =>
        get(stack.baseUrl, `${scope}/x`, { headers: bearer(paid.token) }),
      );
      return paid.token;
    })();
    const refused = await get(stack.baseUrl, `${scope}/x`, { headers: bearer(spentToken) });
    expect(refused.status).toBe(402);
    expect(refused.reason).toBe(REASONS.CREDITS_EXHAUSTED);
    const details = refused.body['paymentDetails'] as { offers: unknown[]; challengeId: string };
    expect(details.offers.length).toBeGreaterThan(0);
    expect(details.challengeId).toEqual(expect.any(String));

    // The payer keeps sending the spent token along with the new proof: the proof is still redeemed.
    const topUp = await payFor(stack, stack.baseUrl, `${scope}/x`, stack.payers[2]!, bearer(spentToken));
    expect([topUp.status, topUp.reason]).toEqual([200, undefined]);
    expect(jtiOf(topUp.token)).not.toBe(jtiOf(spentToken));
    expect((await balance(jtiOf(topUp.token))).total).toBe(BigInt(CREDITS_PER_PAYMENT));
    expect((await get(stack.baseUrl, `${scope}/y`, { headers: bearer(topUp.token) })).status).toBe(200);
  }, 120_000);

  it('a pass token never opens a metered resource of its scope, and a metered token never opens a pass one', async () => {
    const pass = await payFor(stack, stack.baseUrl, '/mixed/m/page', stack.payers[3]!);
    const metered = await payFor(stack, stack.baseUrl, '/mixed/m/metered/a', stack.payers[3]!);
    expect(claimsOf(pass.token)['meter']).toBeUndefined();
    expect(claimsOf(metered.token)['meter']).toBe('credits');
    const before = await balance(jtiOf(metered.token));
    for (const [token, path] of [
      [pass.token, '/mixed/m/metered/b'],
      [metered.token, '/mixed/m/page'],
    ] as const) {
      const refused = await get(stack.baseUrl, path, { headers: bearer(token) });
      expect(refused.status).toBe(402);
      expect(refused.reason).toBe(REASONS.TOKEN_MODEL_MISMATCH);
    }
    // Refused before the meter: the metered token spent nothing on the pass page.
    const after = await balance(jtiOf(metered.token));
    expect(after.remaining + after.leased).toBe(before.remaining + before.leased);
    expect((await get(stack.baseUrl, '/mixed/m/page', { headers: bearer(pass.token) })).status).toBe(200);
  }, 120_000);

  it('free tier: N free requests per payer per period across replicas, then a 402; each payer its own; the next period resets', async () => {
    const periodMs = FREE_PERIOD_SECONDS * 1000;
    const nextPeriod = () => new Promise((r) => setTimeout(r, periodMs - (Date.now() % periodMs) + 150));
    await nextPeriod();
    const hits = stack.appHits('/free/tier');
    for (const from of ['127.0.0.2', '127.0.0.3']) {
      const answers = [];
      for (let i = 0; i <= FREE_REQUESTS; i++)
        answers.push(await get(stack.baseUrl, '/free/tier/x', { from }));
      expect(answers.map((a) => a.status)).toEqual([...Array<number>(FREE_REQUESTS).fill(200), 402]);
      expect(answers[FREE_REQUESTS]!.reason).toBe(REASONS.FREE_TIER_EXHAUSTED);
    }
    // At once, through both replicas: still exactly N for a third payer.
    const together = await burst(20, () => get(stack.baseUrl, '/free/tier/y', { from: '127.0.0.4' }));
    expect(countStatus(together, 200)).toBe(FREE_REQUESTS);
    expect(countStatus(together, 402)).toBe(20 - FREE_REQUESTS);
    expect(stack.appHits('/free/tier')).toBe(hits + 3 * FREE_REQUESTS);
    await nextPeriod();
    expect((await get(stack.baseUrl, '/free/tier/x', { from: '127.0.0.2' })).status).toBe(200);
  }, 60_000);

  it('free tier: when the portal limits a payer, the answer is 429 rate_limited with Retry-After, never a 5xx', async () => {
    const answers = [];
    // Sequential waves of 25 from one payer: the portal counts at most 600 a minute for it.
    for (let wave = 0; wave < 25; wave++)
      answers.push(...(await burst(25, () => get(stack.baseUrl, '/busy/limit/x', { from: '127.0.0.6' }))));
    expect(countStatus(answers, 200)).toBe(FREE_TIER_CALLS_PER_MINUTE_PER_PAYER);
    const limited = answers.filter((a) => a.status !== 200);
    expect(limited.length).toBe(625 - FREE_TIER_CALLS_PER_MINUTE_PER_PAYER);
    expect(limited.every((a) => a.status === 429 && a.reason === REASONS.RATE_LIMITED)).toBe(true);
    expect(Number(limited[0]!.headers['retry-after'])).toBeGreaterThan(0);
  }, 120_000);

  // Last: it stops the portal.
  it('with the portal stopped mid-run, a token never spends more than it holds, and the ledger adds up', async () => {
    const scope = '/credits/outage';
    const paid = await payFor(stack, stack.baseUrl, `${scope}/first`, stack.payers[3]!);
    expect([paid.status, paid.reason]).toEqual([200, undefined]);
    const jti = jtiOf(paid.token);
    const answers: Array<{ status: number; reason: string | undefined }> = [
      { status: 200, reason: undefined },
    ];
    let stopped: Promise<unknown> | undefined;
    // Waves of 5 at a time through both replicas; the portal goes away after 12 allows.
    for (let wave = 0; wave < 20; wave++) {
      const got = await burst(5, () => get(stack.baseUrl, `${scope}/item`, { headers: bearer(paid.token) }));
      answers.push(...got);
      if (
        stopped === undefined &&
        countStatus(got, 200) > 0 &&
        answers.filter((a) => a.status === 200).length >= 12
      )
        stopped = Promise.all(stack.portals.map((p) => p.close()));
      if (stopped !== undefined) await stopped;
    }
    const allowed = answers.filter((a) => a.status === 200).length;
    expect(stopped).toBeDefined();
    expect(allowed).toBeLessThanOrEqual(CREDITS_PER_PAYMENT);
    // Not an allow when no block is left and the portal is gone: 503 credits_unavailable.
    const denied = answers.filter((a) => a.status !== 200);
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((a) => a.status === 503 && a.reason === REASONS.CREDITS_UNAVAILABLE)).toBe(true);
    // Every credit is in the balance, spent by an allow, or in a lease the portal has not had back
    // (held unspent by a replica, or stranded by the outage: the most an outage costs the payer).
    const { total, remaining, leased } = await balance(jti);
    const neitherSpentNorInBalance = total - remaining - BigInt(allowed);
    expect(neitherSpentNorInBalance).toBeGreaterThanOrEqual(held(jti));
    expect(neitherSpentNorInBalance).toBeLessThanOrEqual(leased);
  }, 180_000);
});
