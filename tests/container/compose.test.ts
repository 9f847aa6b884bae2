/**
 * deploy/docker for real, with podman (runc): the Dockerfile built on a stand-in for its official
 * base image (no registry here; see support/stand-in-images.ts), compose.yaml's services run as
 * the file says (support/compose-stack.ts), and a payment driven through its NGINX: 402, a USDC
 * or ETH transfer on the try-out anvil, the retry with the tx hash, 200 from the demo app.
 * Slow on first run (images, npm ci, tsc); later runs reuse the cached images and layers.
 */
import { JsonRpcProvider, Wallet } from 'ethers';
import type { AxiosInstance } from 'axios';
import { REASONS } from '@turnpike/protocol';
import { devKey } from '../../deploy/dev/index.js';
import {
  challenge,
  offerFor,
  pay,
  retryWhilePending,
  retryWithProof,
  zelfProofClient,
} from '../payments/zelfproof-client.js';
import { podman } from './support/podman.js';
import {
  PROTECTED_HOST,
  TRY_OUT_USDC,
  startTurnpikeCompose,
  type TurnpikeCompose,
} from './support/turnpike-compose.js';

const STACK_START_TIMEOUT_MS = 25 * 60_000;
const PAYMENT_TEST_TIMEOUT_MS = 120_000;

let stack: TurnpikeCompose;
let client: AxiosInstance;
/** Tx hashes the payment tests credited, and the receive addresses they paid. */
const paidTxs: string[] = [];
const paidAddresses: string[] = [];

beforeAll(async () => {
  const started = Date.now();
  stack = await startTurnpikeCompose();
  process.stdout.write(`container test: stack up in ${Math.round((Date.now() - started) / 1000)} s\n`);
  client = zelfProofClient(stack.gatewayUrl);
  client.defaults.headers.common.host = PROTECTED_HOST;
}, STACK_START_TIMEOUT_MS);

afterAll(async () => {
  await stack?.close();
});

/** Pays `symbol` for `path` from dev account `payer` and presents the tx hash until it counts. */
async function payThrough(path: string, symbol: 'USDC' | 'ETH', payer: number) {
  const first = await challenge(client, path);
  expect(first.reason).toBe(REASONS.TOKEN_MISSING);
  const offer = offerFor(first.details, 'anvil', symbol);
  if (symbol === 'USDC') expect(offer.asset.address?.toLowerCase()).toBe(TRY_OUT_USDC.toLowerCase());
  const wallet = new Wallet(
    devKey(payer).privateKey,
    new JsonRpcProvider(stack.rpcUrl, 31337, { staticNetwork: true }),
  );
  const tx = await pay(wallet, offer);
  paidTxs.push(tx);
  paidAddresses.push(offer.payTo.toLowerCase());
  const proof = { chain: 'anvil', tx, challenge: first.details.challengeId };
  const answer = await retryWithProof(client, path, proof);
  const paid =
    answer.status === 402 && (answer.data as { reason?: string }).reason === REASONS.PAYMENT_PENDING
      ? await retryWhilePending(client, path, proof, Number(answer.headers['retry-after'] ?? 1))
      : answer;
  return { tx, offer, paid };
}

describe('deploy/docker on podman', () => {
  it('the image runs the services as uid 1000 on a read-only root, with production dependencies only', async () => {
    const [portal] = stack.compose.containers('payment-portal');
    const inspect = JSON.parse((await podman(['inspect', portal!])).stdout) as Array<{
      HostConfig: { ReadonlyRootfs: boolean };
      Config: { User: string; Healthcheck?: { Test: string[] } };
    }>;
    expect(inspect[0]!.HostConfig.ReadonlyRootfs).toBe(true);
    expect(inspect[0]!.Config.User).toBe('node');
    expect(inspect[0]!.Config.Healthcheck?.Test.join(' ')).toContain('/app/healthcheck.mjs');

    expect((await podman(['exec', portal!, 'id', '-u'])).stdout.trim()).toBe('1000');
    const write = await podman(['exec', portal!, 'touch', '/app/written'], { allowFailure: true });
    expect(write.exitCode).not.toBe(0);
    expect(write.stderr).toMatch(/Read-only file system/);

    const present = async (path: string) =>
      (await podman(['exec', portal!, 'test', '-e', path], { allowFailure: true })).exitCode === 0;
    expect(await present('/app/node_modules/pg')).toBe(true); // a portal dependency
    expect(await present('/app/node_modules/@grpc/grpc-js')).toBe(true); // an authorizer dependency
    expect(await present('/app/payment-portal/dist/pay-page/assets/pay.js')).toBe(true);
    // (typescript is there: @solana/kit declares it as a peer dependency, which npm installs.)
    for (const devOnly of ['jest', 'tsx', 'eslint', '@swc/core', '@foundry-rs/anvil', 'playwright-core'])
      expect(await present(`/app/node_modules/${devOnly}`)).toBe(false);
    expect(await present('/app/payment-portal/src')).toBe(false);
  });

  it("every service container passes the image's HEALTHCHECK (two portal replicas, one authorizer)", async () => {
    const containers = [
      ...stack.compose.containers('payment-portal'),
      ...stack.compose.containers('authz-service'),
    ];
    expect(containers).toHaveLength(3);
    for (const name of containers)
      expect((await podman(['healthcheck', 'run', name], { allowFailure: true })).exitCode).toBe(0);
  });

  it('a free page passes NGINX to the demo app untouched', async () => {
    const res = await client.get('/', { headers: { accept: 'text/plain' } });
    expect(res.status).toBe(200);
    expect(res.data).toContain('Free page');
  });

  it(
    'pays USDC through NGINX: 402, a transfer on the try-out chain, the retry with the tx hash gets the app and a token that passes again',
    async () => {
      const path = '/premium/report';
      const { paid } = await payThrough(path, 'USDC', 3);
      expect(paid.status).toBe(200);
      expect(paid.data).toMatchObject({ report: 'premium content', path });
      const token = paid.headers['x-402-token'] as string;
      expect(token).toMatch(/^ey/);
      const again = await client.get(path, { headers: { authorization: `Bearer ${token}` } });
      expect(again.status).toBe(200);
      // Without the token the same path is priced again.
      expect((await client.get(path)).status).toBe(402);
    },
    PAYMENT_TEST_TIMEOUT_MS,
  );

  it(
    'pays ETH through NGINX the same way',
    async () => {
      const path = '/premium/eth-report';
      const { paid, offer } = await payThrough(path, 'ETH', 4);
      expect(offer.asset.kind).toBe('native');
      expect(paid.status).toBe(200);
      expect(paid.data).toMatchObject({ path });
    },
    PAYMENT_TEST_TIMEOUT_MS,
  );

  it('the stack database holds each credited payment once (what `turnpike revenue` reads)', async () => {
    expect(paidTxs).toHaveLength(2);
    const [postgres] = stack.compose.containers('postgres');
    const { stdout } = await podman([
      'exec',
      postgres!,
      'psql',
      '-U',
      'turnpike',
      '-d',
      'turnpike',
      '-tAc',
      "select lower(tx_hash) from redemptions where network = 'anvil'",
    ]);
    const credited = stdout.split('\n').filter(Boolean);
    for (const tx of paidTxs) expect(credited.filter((h) => h === tx.toLowerCase())).toHaveLength(1);
  });

  it("the operator's turnpike in the image: revenue shows both payments, sweep plan lists the addresses that received them", async () => {
    expect(paidAddresses).toHaveLength(2);
    const [portal] = stack.compose.containers('payment-portal');
    // As an operator would: `docker compose exec payment-portal turnpike …` (the container's
    // DATABASE_URL and configuration).
    // The try-out chain is not a built-in network: its decimals come from the portal's config.
    const revenueArgs = ['--json', 'revenue', '--portal-config', '/etc/turnpike/payment-portal.yaml'];
    const revenue = JSON.parse((await podman(['exec', portal!, 'turnpike', ...revenueArgs])).stdout) as {
      lines: Array<{ network: string; symbol: string | null; payments: number; totalAtomic: string }>;
    };
    const anvil = revenue.lines.filter((l) => l.network === 'anvil');
    expect(anvil.map((l) => l.symbol).sort()).toEqual(['ETH', 'USDC']);
    for (const line of anvil) {
      expect(line.payments).toBe(1);
      expect(BigInt(line.totalAtomic)).toBeGreaterThan(0n);
    }

    const out = `/tmp/plan-${Date.now()}.json`;
    await podman([
      'exec',
      portal!,
      'turnpike',
      'sweep',
      'plan',
      '--portal-config',
      '/etc/turnpike/payment-portal.yaml',
      '--account',
      '1',
      '--to',
      devKey(9).address,
      '--out',
      out,
    ]);
    const plan = JSON.parse((await podman(['exec', portal!, 'cat', out])).stdout) as {
      addresses: Array<{
        address: string;
        path: string;
        balances: Array<{ symbol: string; atomic: string }>;
      }>;
    };
    for (const paid of paidAddresses) {
      const planned = plan.addresses.find((a) => a.address.toLowerCase() === paid);
      expect(planned).toBeDefined();
      expect(planned!.path).toMatch(/^1\/\d+\/\d+$/); // an API challenge's address
      expect(planned!.balances.some((b) => BigInt(b.atomic) > 0n)).toBe(true);
    }
  });
});
