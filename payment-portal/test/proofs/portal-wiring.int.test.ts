import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  PORTAL_API_PATHS,
  REASONS,
  settleResponseSchema,
  type Challenge,
  type SettleResponse,
} from '@turnpike/protocol';
import { startPostgres, type TestPostgres } from '../../../tests/support/postgres.js';
import { createInternalApp } from '../../src/internal-api/internal-app.js';
import { createProofsFromConfig, proofsConfigSchema } from '../../src/proofs/index.js';
import { startChain, mine, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, type PortalFixture } from '../support/portal-fixture.js';

// The verifiers wired into a running portal's internal API the way the lead wires them, with the
// portal's own context; its watcher (polling every 50 ms) credits the same payments meanwhile.
let chain: ChainFixture;
let postgres: TestPostgres;

beforeAll(async () => {
  [chain, postgres] = await Promise.all([startChain(), startPostgres()]);
});

afterAll(async () => {
  await chain?.close();
  await postgres?.stop();
});

async function withPortal(
  databaseUrl: string | undefined,
  fn: (portal: PortalFixture, settleUrl: string) => Promise<void>,
): Promise<void> {
  const portal = await startPortal(chain, { confirmations: 1, ...(databaseUrl ? { databaseUrl } : {}) });
  const ctx = portal.portal.context;
  const { verifierMap } = createProofsFromConfig(await proofsConfigSchema.parseAsync({}), {
    registry: ctx.registry,
    rpcUrls: ctx.rpcUrls,
  });
  const server: Server = createInternalApp(ctx, { verifiers: verifierMap }).listen(0, '127.0.0.1');
  try {
    await new Promise((resolve) => server.once('listening', resolve));
    await fn(portal, `http://127.0.0.1:${(server.address() as AddressInfo).port}${PORTAL_API_PATHS.settle}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await portal.close();
  }
}

const body = (portal: PortalFixture) => ({
  host: 'shop.test',
  scheme: 'https',
  resource: '/premium',
  originalUri: '/premium',
  request: portal.wire(),
});

/** Pays a recorded challenge (watched by the portal's watcher) in USDC; the tx and the challenge id. */
async function payChallenge(portal: PortalFixture): Promise<{ tx: string; challenge: string }> {
  const challenge = (await (
    await portal.internal(PORTAL_API_PATHS.challenges, { ...body(portal), client: { ip: '203.0.113.9' } })
  ).json()) as Challenge;
  const usdc = challenge.offers.find((o) => o.asset.symbol === 'USDC')!;
  const tx = await chain.usdc.transfer(chain.payer, usdc.payTo, BigInt(usdc.atomic));
  await mine(chain, 1);
  return { tx, challenge: challenge.id };
}

async function settle(portal: PortalFixture, url: string, paid: { tx: string; challenge?: string }) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${portal.internalToken}` },
    body: JSON.stringify({ ...body(portal), proof: { type: 'tx', network: 'anvil', ...paid } }),
  });
  return settleResponseSchema.parse(await response.json());
}

const jtiOf = (a: SettleResponse) => (a.ok ? String(a.claims.jti) : `refused ${a.reason}`);

it('a tx-hash proof through the internal settle API (PGlite): one grant, returned again for the same proof', async () => {
  await withPortal(undefined, async (portal, url) => {
    const paid = await payChallenge(portal);
    expect(jtiOf(await settle(portal, url, { tx: paid.tx }))).toBe(
      `refused ${REASONS.PAYMENT_CHALLENGE_REQUIRED}`,
    );
    const first = await settle(portal, url, paid);
    expect(first.ok ? first.claims : first).toMatchObject({
      aud: 'shop.test',
      resource: '/premium',
      tier: 'gold',
    });
    expect(jtiOf(await settle(portal, url, paid))).toBe(jtiOf(first));
  });
});

it('20 concurrent settles racing the watcher on PostgreSQL: credited once, one grant, no deadlock, no error', async () => {
  await withPortal(await postgres.createDatabase(), async (portal, url) => {
    const paid = await payChallenge(portal);
    const answers = await Promise.all(Array.from({ length: 20 }, () => settle(portal, url, paid)));
    expect(new Set(answers.map(jtiOf)).size).toBe(1);
    expect(answers[0]?.ok).toBe(true);
    const rows = await portal.portal.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM redemptions WHERE tx_hash = $1',
      [paid.tx.toLowerCase()],
    );
    expect(rows.rows[0]?.n).toBe('1');
  });
});
