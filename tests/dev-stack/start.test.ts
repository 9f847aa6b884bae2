/**
 * `npm start` as a newcomer runs it: the dev stack in its own process (the command `npm start`
 * runs, with the gateway on a free port and a temp data dir), then the README's curl flow: a 402
 * with a unique address, paying it from a dev account on the local chain, the retry that passes,
 * and a clean SIGTERM that takes anvil down too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch';
import axios from 'axios';
import { Contract, Wallet, parseEther } from 'ethers';
import { createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { baseSepolia } from 'viem/chains';
import { decodeXPaymentResponse, wrapFetchWithPayment as wrapFetchWithPaymentV1 } from 'x402-fetch';
import { withPaymentInterceptor } from 'x402-axios';
import { devKey, devProvider } from '../../deploy/dev/index.js';
import { freePort } from '../support/ports.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const STARTUP_TIMEOUT_MS = 90_000;

interface Offer {
  network: string;
  asset: { kind: string };
  atomic: string;
  payTo: string;
}
interface Challenge402 {
  paymentDetails: { serviceWallet: string; challengeId: string; offers: Offer[] };
}

function waitForBanner(
  child: ChildProcess,
  output: { text: string },
): Promise<{ url: string; rpcUrl: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no URL printed within ${STARTUP_TIMEOUT_MS} ms:\n${output.text}`)),
      STARTUP_TIMEOUT_MS,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output.text += chunk.toString('utf8');
      const url = /Open (http:\/\/localhost:\d+)/.exec(output.text);
      const rpc = /RPC (http:\/\/127\.0\.0\.1:\d+)/.exec(output.text);
      if (url && rpc && output.text.includes('Ctrl-C stops everything')) {
        clearTimeout(timer);
        resolve({ url: url[1]!, rpcUrl: rpc[1]! });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output.text += chunk.toString('utf8');
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dev stack exited with ${code}:\n${output.text}`));
    });
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function rpcAnswers(rpcUrl: string): Promise<boolean> {
  try {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

describe('npm start (scripts/dev-stack.ts)', () => {
  let child: ChildProcess | undefined;
  let dataDir: string;
  let base: string;
  let rpcUrl: string;
  const output = { text: '' };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'turnpike-dev-stack-'));
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', 'scripts/dev-stack.ts'], {
      cwd: REPO,
      env: { ...process.env, TURNPIKE_GATEWAY_PORT: String(port), TURNPIKE_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const banner = await waitForBanner(child, output);
    expect(banner.url).toBe(`http://localhost:${port}`);
    // The gateway listens on 127.0.0.1; `localhost` may resolve to ::1 first.
    base = `http://127.0.0.1:${port}`;
    rpcUrl = banner.rpcUrl;
  }, STARTUP_TIMEOUT_MS + 5_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exitOf(child);
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the dev accounts and says it is dev only', () => {
    expect(output.text).toContain('DEV ONLY');
    expect(output.text).toMatch(/0x70997970C51812dc3A010C7d01b50e0d17dc79C8\s+10000 ETH, 1000 USDC/);
    expect(output.text).toContain('well-known PUBLIC test keys');
    expect(output.text).toContain("curl -i -H 'Accept: application/json'");
  });

  it('keeps the token signing key in the data dir, readable by its owner only', async () => {
    const info = await stat(path.join(dataDir, 'token-signing-key.pem'));
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('serves the free page', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('/premium');
  });

  it('answers /premium with a 402 and a unique address; paying it from a dev account lets the retry through', async () => {
    const ask = async () => {
      const res = await fetch(`${base}/premium`, { headers: { accept: 'application/json' } });
      expect(res.status).toBe(402);
      return (await res.json()) as Challenge402;
    };
    const first = await ask();
    const second = await ask();
    expect(first.paymentDetails.serviceWallet).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(second.paymentDetails.serviceWallet).not.toBe(first.paymentDetails.serviceWallet);

    const eth = first.paymentDetails.offers.find((o) => o.asset.kind === 'native');
    expect(eth).toBeDefined();
    // The registry name stays `anvil` on chain id 84532: `x-payment-chain: anvil` as documented.
    expect(eth!.network).toBe('anvil');
    expect(BigInt(eth!.atomic)).toBe(parseEther('0.001'));
    const provider = devProvider(rpcUrl);
    try {
      const payer = new Wallet(devKey(2).privateKey, provider);
      const tx = await payer.sendTransaction({ to: eth!.payTo, value: BigInt(eth!.atomic) });
      await tx.wait();

      const proof = {
        accept: 'application/json',
        'x-payment-chain': eth!.network,
        'x-payment-tx': tx.hash,
        'x-payment-challenge': first.paymentDetails.challengeId,
      };
      let res = await fetch(`${base}/premium`, { headers: proof });
      // Until the next block confirms it, the proof is pending (402 with Retry-After).
      for (let i = 0; i < 20 && res.status === 402; i++) {
        const wait = Number(res.headers.get('retry-after') ?? '1');
        await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, (wait + 0.5) * 1000));
        res = await fetch(`${base}/premium`, { headers: proof });
      }
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Premium content');
      const token = res.headers.get('x-402-token');
      expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

      const again = await fetch(`${base}/premium`, { headers: { authorization: `Bearer ${token}` } });
      expect(again.status).toBe(200);
      // The demo page shows the identity Turnpike handed the app: the payer's address.
      expect((await again.text()).toLowerCase()).toContain(payer.address.toLowerCase());
    } finally {
      provider.destroy();
    }
  }, 60_000);

  it('lets a browser pay with the dev account: 402 page, pay page, dev-pay in USDC, complete, cookie, content', async () => {
    const page402 = await fetch(`${base}/premium`, { headers: { accept: 'text/html' } });
    expect(page402.status).toBe(402);
    const payLink = /href="(\/_402\/pay\?ref=[^"]+)"/.exec(await page402.text())?.[1];
    expect(payLink).toBeDefined();
    const toInvoice = await fetch(`${base}${payLink!.replace(/&amp;/g, '&')}`, { redirect: 'manual' });
    expect(toInvoice.status).toBe(303);
    const invoicePath = toInvoice.headers.get('location')!;
    expect(invoicePath).toMatch(/^\/_402\/invoices\/[\w-]+$/);
    // The pay page's session: this browser alone is handed the invoice's access.
    const session = toInvoice.headers.getSetCookie()[0]!.split(';', 1)[0]!;
    expect(session).toMatch(/^402_pay=/);
    const payPage = await fetch(`${base}${invoicePath}`, { headers: { accept: 'text/html' } });
    expect(await payPage.text()).toContain('Pay with dev account');

    const paid = await fetch(`${base}${invoicePath}/dev-pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ network: 'anvil', asset: 'USDC' }),
    });
    expect(paid.status).toBe(202);
    expect(((await paid.json()) as { tx: string }).tx).toMatch(/^0x[0-9a-f]{64}$/);
    let status = '';
    for (let i = 0; i < 40 && status !== 'paid'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const state = await fetch(`${base}${invoicePath}`, { headers: { accept: 'application/json' } });
      status = ((await state.json()) as { invoice: { status: string } }).invoice.status;
    }
    expect(status).toBe('paid');

    // Someone else who learnt the invoice's URL gets nothing.
    const stranger = await fetch(`${base}${invoicePath}/complete`, { redirect: 'manual' });
    expect(stranger.status).toBe(403);
    const complete = await fetch(`${base}${invoicePath}/complete`, {
      redirect: 'manual',
      headers: { cookie: session },
    });
    expect(complete.status).toBe(303);
    expect(complete.headers.get('location')).toBe('/premium');
    const cookies = complete.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThanOrEqual(1);
    expect(cookies.join('\n')).toMatch(/HttpOnly/);
    const cookie = cookies.map((c) => c.split(';', 1)[0]).join('; ');
    const content = await fetch(`${base}/premium`, { headers: { cookie } });
    expect(content.status).toBe(200);
    expect(await content.text()).toContain('Premium content');
  }, 60_000);

  it('prices /api/quote by the static route', async () => {
    const res = await fetch(`${base}/api/quote`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(402);
    const body = (await res.json()) as Challenge402 & { paymentDetails: { cost: string; token: string } };
    expect(body.paymentDetails).toMatchObject({ cost: '0.01', token: 'USDC' });
  });

  it('lets an unmodified x402 client (@x402/fetch) pay /api/quote in USDC through the dev relayer', async () => {
    const key = devKey(3).privateKey;
    const client = new x402Client().setSpendControls(false);
    registerExactEvmScheme(client, { signer: privateKeyToAccount(key) });
    const res = await wrapFetchWithPayment(fetch, client)(`${base}/api/quote`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { quote: string; payer: string | null };
    expect(body.quote).toContain('Paying');
    expect(body.payer?.toLowerCase()).toBe(privateKeyToAccount(key).address.toLowerCase());
    const receipt = decodePaymentResponseHeader(res.headers.get('payment-response') ?? '');
    expect(receipt).toMatchObject({ success: true, network: 'eip155:84532' });
  }, 60_000);

  /** USDC of `address` on the dev chain, read at the address the v1 402 names. */
  async function usdcOf(asset: string, address: string): Promise<bigint> {
    const provider = devProvider(rpcUrl);
    try {
      const usdc = new Contract(asset, ['function balanceOf(address) view returns (uint256)'], provider);
      return (await usdc.getFunction('balanceOf')(address)) as bigint;
    } finally {
      provider.destroy();
    }
  }

  /** The v1 402 of /api/quote: the anvil chain, offered under x402 v1's name for chain 84532. */
  async function quoteTermsV1(): Promise<{ network: string; asset: string; maxAmountRequired: string }> {
    const res = await fetch(`${base}/api/quote`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(402);
    const body = (await res.json()) as {
      x402Version: number;
      accepts: Array<{ network: string; asset: string; maxAmountRequired: string }>;
    };
    expect(body.x402Version).toBe(1);
    expect(body.accepts).toHaveLength(1);
    return body.accepts[0]!;
  }

  /**
   * The wallet x402-fetch's and x402-axios's READMEs build: viem's `baseSepolia` chain (npm start's
   * anvil runs on its chain id 84532 so that these clients can sign), here with the dev RPC.
   */
  const readmeWallet = (key: `0x${string}`) =>
    createWalletClient({ account: privateKeyToAccount(key), transport: http(rpcUrl), chain: baseSepolia });

  it('lets unmodified x402-fetch (x402 v1) pay /api/quote once: base-sepolia is the anvil chain', async () => {
    const terms = await quoteTermsV1();
    expect(terms.network).toBe('base-sepolia');
    const key = devKey(1).privateKey as `0x${string}`;
    const payer = privateKeyToAccount(key).address;
    const before = await usdcOf(terms.asset, payer);
    const paidFetch = wrapFetchWithPaymentV1(
      fetch,
      readmeWallet(key) as unknown as Parameters<typeof wrapFetchWithPaymentV1>[1],
    );
    const res = await paidFetch(`${base}/api/quote`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { quote: string; payer: string | null };
    expect(body.quote).toContain('Paying');
    expect(body.payer?.toLowerCase()).toBe(payer.toLowerCase());
    expect(decodeXPaymentResponse(res.headers.get('x-payment-response')!)).toMatchObject({
      success: true,
      network: 'base-sepolia',
    });
    expect(await usdcOf(terms.asset, payer)).toBe(before - BigInt(terms.maxAmountRequired));
  }, 60_000);

  it('lets unmodified x402-axios (x402 v1) pay /api/quote once', async () => {
    const terms = await quoteTermsV1();
    const key = devKey(2).privateKey as `0x${string}`;
    const payer = privateKeyToAccount(key).address;
    const before = await usdcOf(terms.asset, payer);
    const api = withPaymentInterceptor(
      axios.create({ baseURL: base }),
      readmeWallet(key) as unknown as Parameters<typeof withPaymentInterceptor>[1],
    );
    const res = await api.get<{ quote: string; payer: string | null }>('/api/quote', {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(res.data.quote).toContain('Paying');
    expect(res.data.payer?.toLowerCase()).toBe(payer.toLowerCase());
    expect(decodeXPaymentResponse(String(res.headers['x-payment-response']))).toMatchObject({
      success: true,
      network: 'base-sepolia',
    });
    expect(await usdcOf(terms.asset, payer)).toBe(before - BigInt(terms.maxAmountRequired));
  }, 60_000);

  it('prints the chain id in the banner, with why it is 84532', () => {
    expect(output.text).toMatch(/Local chain {2}anvil, chain id 84532/);
    expect(output.text).toContain('x402 v1 clients');
  });

  it('stops cleanly on SIGTERM, anvil included', async () => {
    expect(await rpcAnswers(rpcUrl)).toBe(true);
    child!.kill('SIGTERM');
    expect(await exitOf(child!)).toBe(0);
    expect(await rpcAnswers(rpcUrl)).toBe(false);
  });

  it(
    'starts again on the same data dir: same signing key, a fresh chain and database',
    async () => {
      const keyBefore = await readFile(path.join(dataDir, 'token-signing-key.pem'), 'utf8');
      const port = await freePort();
      const again = spawn(
        process.execPath,
        ['--import', 'tsx', '--conditions=source', 'scripts/dev-stack.ts'],
        {
          cwd: REPO,
          env: { ...process.env, TURNPIKE_GATEWAY_PORT: String(port), TURNPIKE_DATA_DIR: dataDir },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child = again;
      const banner = await waitForBanner(again, { text: '' });
      expect(banner.rpcUrl).not.toBe(rpcUrl);
      expect(await readFile(path.join(dataDir, 'token-signing-key.pem'), 'utf8')).toBe(keyBefore);
      const res = await fetch(`http://127.0.0.1:${port}/premium`, {
        headers: { accept: 'application/json' },
      });
      expect(res.status).toBe(402);
      again.kill('SIGTERM');
      expect(await exitOf(again)).toBe(0);
      expect(await rpcAnswers(banner.rpcUrl)).toBe(false);
    },
    STARTUP_TIMEOUT_MS + 10_000,
  );
});
