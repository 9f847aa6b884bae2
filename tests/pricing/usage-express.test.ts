/**
 * Usage-based cost (docs/credits.md, "Usage") through the Express gateway of integrations/express,
 * every part real: the authorizer, the portal on a throwaway PostgreSQL, anvil with Circle's USDC
 * (each token bought with a real USDC transfer presented as a transaction proof), and an upstream
 * that declares `model: "credits", credits: 20, cost: 1, usage: true` and answers `x-402-usage`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import pg from 'pg';
import { REASONS } from '@turnpike/protocol';
import { turnpikeGateway, type UsageReportResult } from '../../integrations/express/src/index.js';
import { closeServer, listenLocal, send } from '../support/http.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { startPaymentStack, type PaymentStack } from '../support/payments.js';
import { startPricingUpstream, USAGE_CREDITS } from './pricing-upstream.js';
import { bearer, get, jtiOf, payFor, type Answer } from './pricing-client.js';

describe('usage-based cost through the Express gateway', () => {
  let postgres: TestPostgres;
  let stack: PaymentStack;
  let db: pg.Client;
  let secretDir: string;
  let usageToken: string;
  let gateway: Server;
  let baseUrl: string;
  /** What the authorizer answered to each usage report, in order. */
  const reports: UsageReportResult[] = [];

  beforeAll(async () => {
    postgres = await startPostgres();
    const databaseUrl = await postgres.createDatabase();
    usageToken = randomBytes(24).toString('base64url');
    secretDir = await mkdtemp(path.join(tmpdir(), 'turnpike-usage-'));
    const tokenFile = path.join(secretDir, 'usage-token');
    await writeFile(tokenFile, usageToken, { mode: 0o600 });
    stack = await startPaymentStack({
      // The stack's own NGINX is not used here: the Express gateway below is the one under test.
      gateway: 'nginx',
      databaseUrl,
      upstream: await startPricingUpstream(),
      authz: {
        usage: { token: { fromFile: tokenFile } },
        // Blocks stay with the authorizer through the portal's shutdown in the outage test (one
        // replica: no other one waits for them).
        credits: { idleReturnMs: 5_000 },
      },
    });
    const app = express();
    app.use(
      turnpikeGateway({
        authzUrl: `http://127.0.0.1:${stack.authz.httpPort}`,
        portalUrl: stack.portal.publicUrl,
        upstream: stack.upstream.baseUrl,
        timeoutMs: 20_000,
        usage: { token: usageToken, onReport: (r) => reports.push(r) },
      }),
    );
    gateway = createServer(app);
    baseUrl = `http://127.0.0.1:${await listenLocal(gateway)}`;
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  }, 180_000);
  afterAll(async () => {
    await db?.end();
    if (gateway !== undefined) await closeServer(gateway);
    await stack?.close();
    await postgres?.stop();
    if (secretDir !== undefined) await rm(secretDir, { recursive: true, force: true });
  });

  /** The balance as the portal's ledger holds it, and the credit in leases not given back yet. */
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
  /** Once the authorizer gave its blocks back (idle), the ledger alone says what was spent. */
  const settled = async (jti: string): Promise<{ total: bigint; remaining: bigint; leased: bigint }> => {
    for (let i = 0; i < 100; i++) {
      const b = await balance(jti);
      if (b.leased === 0n) return b;
      await new Promise((r) => setTimeout(r, 100));
    }
    return balance(jti);
  };
  const call = (scope: string, token: string, report: number | string): Promise<Answer> =>
    get(baseUrl, `${scope}/call?report=${report}`, { headers: bearer(token) });
  const lastReport = (): UsageReportResult => reports.at(-1)!;

  it('20 credits, cost 1, 5 reported per call: exactly 4 calls pass, the 5th gets the 402 top-up; the client never sees x-402-usage', async () => {
    const scope = '/usage/five';
    const hits = stack.appHits(scope);
    // The paying request is the first call: 1 up front, 4 more once the upstream reported 5.
    const paid = await payFor(stack, baseUrl, `${scope}/call?report=5`, stack.payers[0]!);
    expect([paid.status, paid.reason]).toEqual([200, undefined]);
    expect(lastReport()).toEqual({
      kind: 'answered',
      status: 200,
      body: expect.objectContaining({
        outcome: 'billed',
        cost: '1',
        reported: '5',
        extra: '4',
        debited: '4',
      }),
    });
    const before = reports.length;
    const answers: Answer[] = [];
    for (let i = 0; i < 4; i++) answers.push(await call(scope, paid.token, 5));
    // Each of the three calls after the paying one was reported and billed 4 more before its answer.
    expect(
      reports.slice(before).map((r) => (r.kind === 'answered' ? [r.status, r.body['debited']] : r)),
    ).toEqual([
      [200, '4'],
      [200, '4'],
      [200, '4'],
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 402]);
    expect(answers[3]!.reason).toBe(REASONS.CREDITS_EXHAUSTED);
    expect(answers.map((a) => a.headers['x-402-usage'])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(stack.appHits(scope) - hits).toBe(4);
    expect(await settled(jtiOf(paid.token))).toEqual({
      total: BigInt(USAGE_CREDITS),
      remaining: 0n,
      leased: 0n,
    });
  }, 120_000);

  it('usage above what is left takes what is left: the balance ends at 0, never below, and the next call gets the 402', async () => {
    const scope = '/usage/big';
    const paid = await payFor(stack, baseUrl, `${scope}/call?report=3`, stack.payers[1]!);
    expect([paid.status, paid.reason]).toEqual([200, undefined]);
    // 20 − 3 = 17 left; this call spends 1 up front (16 left) and reports 100: 99 more owed, 16 taken.
    const big = await call(scope, paid.token, 100);
    expect(big.status).toBe(200);
    expect(big.headers['x-402-usage']).toBeUndefined();
    expect(lastReport()).toEqual({
      kind: 'answered',
      status: 200,
      body: expect.objectContaining({
        outcome: 'capped',
        exhausted: true,
        extra: '99',
        debited: '16',
        short: '83',
      }),
    });
    const next = await call(scope, paid.token, 1);
    expect([next.status, next.reason]).toEqual([402, REASONS.CREDITS_EXHAUSTED]);
    expect(await settled(jtiOf(paid.token))).toEqual({
      total: BigInt(USAGE_CREDITS),
      remaining: 0n,
      leased: 0n,
    });
  }, 120_000);

  it('a usage report without the gateway secret is refused 401 and debits nothing; bad figures debit nothing more than the cost', async () => {
    const scope = '/usage/forged';
    const paid = await payFor(stack, baseUrl, `${scope}/call?report=1`, stack.payers[2]!);
    expect([paid.status, paid.reason]).toEqual([200, undefined]);
    const jti = jtiOf(paid.token);
    const before = await settled(jti);
    expect(before.remaining).toBe(BigInt(USAGE_CREDITS - 1));

    const forged = (authorization: string | undefined) =>
      send(stack.authz.httpPort, {
        method: 'POST',
        path: '/v1/usage',
        headers: {
          'content-type': 'application/json',
          ...(authorization === undefined ? {} : { authorization }),
        },
        body: JSON.stringify({
          tokenId: jti,
          method: 'GET',
          host: '127.0.0.1',
          uri: `${scope}/call`,
          reported: '1000',
        }),
      });
    for (const authorization of [undefined, 'Bearer wrong-secret', `Basic ${usageToken}`]) {
      const res = await forged(authorization);
      expect([res.status, res.headers['x-402-reason']]).toEqual([401, REASONS.USAGE_REPORT_UNAUTHORIZED]);
    }
    expect(await settled(jti)).toEqual(before);

    // Figures the authorizer does not accept: refused (400), only the up-front cost is spent.
    for (const bad of ['-5', '2.5', '1e3', '%2B7', 'lots']) {
      const res = await call(scope, paid.token, bad);
      expect(res.status).toBe(200);
      expect(res.headers['x-402-usage']).toBeUndefined();
      expect(lastReport()).toEqual({
        kind: 'answered',
        status: 400,
        body: expect.objectContaining({ reason: REASONS.USAGE_REPORT_INVALID }),
      });
    }
    // Reporting less than the cost refunds nothing: the cost is the minimum.
    expect((await call(scope, paid.token, 0)).status).toBe(200);
    expect(lastReport()).toMatchObject({
      status: 200,
      body: { outcome: 'billed', extra: '0', debited: '0' },
    });
    expect((await settled(jti)).remaining).toBe(before.remaining - 6n);
  }, 120_000);

  it('an x-402-usage on a resource that does not declare usage is not billed (409) and not shown to the client', async () => {
    const scope = '/credits/plain';
    const paid = await payFor(stack, baseUrl, `${scope}/call`, stack.payers[3]!);
    expect([paid.status, paid.reason]).toEqual([200, undefined]);
    const res = await call(scope, paid.token, 7);
    expect(res.status).toBe(200);
    expect(res.headers['x-402-usage']).toBeUndefined();
    expect(lastReport()).toMatchObject({ status: 409, body: { reason: REASONS.USAGE_NOT_METERED } });
    // 50 credits, two calls at cost 1: nothing else.
    expect((await settled(jtiOf(paid.token))).remaining).toBe(48n);
  }, 120_000);

  // Last: it stops the portal.
  it('with the portal gone, an extra is taken from blocks held here and the rest is reported unbilled (503), never spent past the balance', async () => {
    const scope = '/usage/outage';
    const paid = await payFor(stack, baseUrl, `${scope}/call?report=1`, stack.payers[0]!);
    expect([paid.status, paid.reason]).toEqual([200, undefined]);
    const jti = jtiOf(paid.token);
    // The authorizer holds a block of 8 (7 left); the ledger has the other 12.
    expect(await balance(jti)).toEqual({ total: BigInt(USAGE_CREDITS), remaining: 12n, leased: 8n });
    await Promise.all(stack.portals.map((p) => p.close()));

    // 1 up front and 2 more, all from the block held here: billed without the portal (4 left).
    expect((await call(scope, paid.token, 3)).status).toBe(200);
    expect(lastReport()).toMatchObject({ status: 200, body: { outcome: 'billed', debited: '2' } });
    // 1 up front (3 left) and 99 more: the 3 are taken, the other 96 cannot be: unbilled, said so.
    const big = await call(scope, paid.token, 100);
    expect(big.status).toBe(200);
    expect(big.headers['x-402-usage']).toBeUndefined();
    expect(lastReport()).toMatchObject({
      status: 503,
      body: { outcome: 'unbilled', reason: REASONS.USAGE_UNBILLED, debited: '3', unbilled: '96' },
    });
    // Nothing left here and no portal: not an allow.
    const next = await call(scope, paid.token, 1);
    expect([next.status, next.reason]).toEqual([503, REASONS.CREDITS_UNAVAILABLE]);
    // The ledger: the 12 never leased are still there; the block of 8 was spent, and only it.
    expect(await balance(jti)).toEqual({ total: BigInt(USAGE_CREDITS), remaining: 12n, leased: 8n });
    const metrics = await (await fetch(`http://127.0.0.1:${stack.authz.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/turnpike_authz_usage_credits_total\{result="unbilled"\} 96\b/);
  }, 120_000);
});
