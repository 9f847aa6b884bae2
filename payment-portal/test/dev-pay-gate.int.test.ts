/**
 * Dev-pay pays from an unlocked account, so it must never reach a real chain. `npm start` runs anvil
 * on chain id 84532 (Base Sepolia's, so that unmodified x402 v1 clients can sign for it), so the
 * chain id alone does not prove a dev chain: the portal also asks the RPC what it is.
 *
 * The "real chain" here is the real anvil behind a JSON-RPC front that answers web3_clientVersion
 * as a geth node does (the string recorded from geth 1.14.11's `web3_clientVersion`) and forwards
 * every other call: a real geth node cannot run here. The front records which methods reached it,
 * so the test shows no transaction was ever sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonRpc } from '../../deploy/dev/index.js';
import { startChain, type ChainFixture } from './support/chain-fixture.js';
import { startPortal, waitForInvoice, type PortalFixture } from './support/portal-fixture.js';

const GETH_CLIENT_VERSION = 'Geth/v1.14.11-stable-f3c696fa/linux-amd64/go1.23.2';

const target = { host: 'shop.test', scheme: 'https', resource: '/premium', originalUri: '/premium' } as const;

interface RpcFront {
  url: string;
  methods: string[];
  close(): Promise<void>;
}

async function startGethLikeFront(upstream: string): Promise<RpcFront> {
  const methods: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        id: number;
        method: string;
        params?: unknown[];
      };
      methods.push(call.method);
      const answer =
        call.method === 'web3_clientVersion'
          ? Promise.resolve({ jsonrpc: '2.0', id: call.id, result: GETH_CLIENT_VERSION })
          : jsonRpc(upstream, call.method, call.params ?? []).then(
              (result) => ({ jsonrpc: '2.0', id: call.id, result }),
              (err: Error) => ({
                jsonrpc: '2.0',
                id: call.id,
                error: { code: -32000, message: err.message },
              }),
            );
      void answer.then((body) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    methods,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function openInvoice(p: PortalFixture): Promise<string> {
  const ref = p.payLink({ ...target, request: p.wire() });
  const res = await fetch(`${p.portal.publicUrl}/_402/pay?ref=${ref}`, { redirect: 'manual' });
  expect(res.status).toBe(303);
  return (res.headers.get('location') ?? '').split('/').at(-1)!;
}

async function devPay(p: PortalFixture, id: string): Promise<{ status: number; reason: string }> {
  const res = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/dev-pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ network: 'anvil', asset: 'USDC' }),
  });
  return { status: res.status, reason: ((await res.json()) as { reason: string }).reason };
}

async function usdcBalance(chain: ChainFixture): Promise<bigint> {
  return chain.usdc.balanceOf(chain.payer);
}

describe('dev-pay refuses a chain that is not anvil, even on the dev chain id', () => {
  let chain: ChainFixture;
  let front: RpcFront;
  let p: PortalFixture;

  beforeAll(async () => {
    chain = await startChain();
    front = await startGethLikeFront(chain.anvil.rpcUrl);
    p = await startPortal(chain, {
      confirmations: 1,
      extra: { watchers: { anvil: { rpcUrls: [front.url], pollIntervalMs: 50 } } },
    });
  });
  afterAll(async () => {
    await p?.close();
    await front?.close();
    await chain?.close();
  });

  it('answers 403 dev_pay_unavailable and sends no transaction when the RPC is not anvil', async () => {
    const id = await openInvoice(p);
    await waitForInvoice(p.portal.publicUrl, id, (v) => v.invoice.status === 'pending');
    const before = await usdcBalance(chain);
    expect(await devPay(p, id)).toEqual({ status: 403, reason: 'dev_pay_unavailable' });
    expect(front.methods).toContain('web3_clientVersion');
    expect(front.methods).not.toContain('eth_sendTransaction');
    expect(await usdcBalance(chain)).toBe(before);
  });
});

describe('dev-pay refuses an offer off the configured dev chain id', () => {
  let chain: ChainFixture;
  let p: PortalFixture;

  beforeAll(async () => {
    chain = await startChain();
    p = await startPortal(chain, {
      confirmations: 1,
      extra: { dev: { payFromAccount: chain.payer, chainId: 84532 } },
    });
  });
  afterAll(async () => {
    await p?.close();
    await chain?.close();
  });

  it('answers 403 on anvil 31337 when dev.chainId is 84532, and the pay page shows no dev-pay', async () => {
    const id = await openInvoice(p);
    const view = (await waitForInvoice(
      p.portal.publicUrl,
      id,
      (v) => v.invoice.status === 'pending',
    )) as unknown as {
      devChain: boolean;
      urls: { devPay?: string };
    };
    expect(view.devChain).toBe(false);
    expect(view.urls.devPay).toBeUndefined();
    const before = await usdcBalance(chain);
    expect(await devPay(p, id)).toEqual({ status: 403, reason: 'dev_pay_unavailable' });
    expect(await usdcBalance(chain)).toBe(before);
  });
});
