import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { PORTAL_API_PATHS, REASONS, settleResponseSchema, type Challenge } from '@turnpike/protocol';
import { createInternalApp } from '../../src/internal-api/internal-app.js';
import { createProofsFromConfig, proofsConfigSchema } from '../../src/proofs/index.js';
import { startChain, mine, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, type PortalFixture } from '../support/portal-fixture.js';

// The verifiers wired into a running portal's internal API the way the lead wires them, with the
// portal's own context (its watcher runs too and may credit the payment first).
let chain: ChainFixture;
let portal: PortalFixture;
let server: Server;
let settleUrl: string;

beforeAll(async () => {
  chain = await startChain();
  portal = await startPortal(chain, { confirmations: 1 });
  const ctx = portal.portal.context;
  const { verifierMap } = createProofsFromConfig(await proofsConfigSchema.parseAsync({}), { registry: ctx.registry, rpcUrls: ctx.rpcUrls });
  const app = createInternalApp(ctx, { verifiers: verifierMap });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  settleUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PORTAL_API_PATHS.settle}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await portal?.close();
  await chain?.close();
});

it('a tx-hash proof through the internal settle API: one token, then already redeemed', async () => {
  const body = { host: 'shop.test', scheme: 'https', resource: '/premium', originalUri: '/premium', request: portal.wire() };
  const challenge = (await (await portal.internal(PORTAL_API_PATHS.challenges, { ...body, client: { ip: '203.0.113.9' } })).json()) as Challenge;
  const usdc = challenge.offers.find((o) => o.asset.symbol === 'USDC')!;
  const tx = await chain.usdc.transfer(chain.payer, usdc.payTo, BigInt(usdc.atomic));
  await mine(chain, 1);
  const post = async () =>
    settleResponseSchema.parse(
      await (
        await fetch(settleUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${portal.internalToken}` },
          body: JSON.stringify({ ...body, proof: { type: 'tx', network: 'anvil', tx } }),
        })
      ).json(),
    );
  const first = await post();
  expect(first.ok ? first.claims : first).toMatchObject({ aud: 'shop.test', resource: '/premium', tier: 'gold' });
  const second = await post();
  expect(second.ok ? 'ok' : second.reason).toBe(REASONS.PAYMENT_ALREADY_REDEEMED);
});
