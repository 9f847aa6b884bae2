import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { PORTAL_API_PATHS, REASONS, settleResponseSchema, type Challenge } from '@turnpike/protocol';
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

async function payChallenge(portal: PortalFixture): Promise<string> {
  const challenge = (await (
    await portal.internal(PORTAL_API_PATHS.challenges, { ...body(portal), client: { ip: '203.0.113.9' } })
  ).json()) as Challenge;
  const usdc = challenge.offers.find((o) => o.asset.symbol === 'USDC')!;
  const tx = await chain.usdc.transfer(chain.payer, usdc.payTo, BigInt(usdc.atomic));
  await mine(chain, 1);
  return tx;
}

async function settle(portal: PortalFixture, url: string, tx: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${portal.internalToken}` },
    body: JSON.stringify({ ...body(portal), proof: { type: 'tx', network: 'anvil', tx } }),
  });
  return settleResponseSchema.parse(await response.json());
}

it('a tx-hash proof through the internal settle API (PGlite): one token, then already redeemed', async () => {
  await withPortal(undefined, async (portal, url) => {
    const tx = await payChallenge(portal);
    const first = await settle(portal, url, tx);
    expect(first.ok ? first.claims : first).toMatchObject({
      aud: 'shop.test',
      resource: '/premium',
      tier: 'gold',
    });
    const second = await settle(portal, url, tx);
    expect(second.ok ? 'ok' : second.reason).toBe(REASONS.PAYMENT_ALREADY_REDEEMED);
  });
});

it('20 concurrent settles racing the watcher on PostgreSQL: one token, no deadlock, no error', async () => {
  await withPortal(await postgres.createDatabase(), async (portal, url) => {
    const tx = await payChallenge(portal);
    const answers = await Promise.all(Array.from({ length: 20 }, () => settle(portal, url, tx)));
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.filter((a) => !a.ok && a.reason === REASONS.PAYMENT_ALREADY_REDEEMED)).toHaveLength(19);
  });
});
