// /readyz reports each watcher's lag and RPC health, and goes not-ready when no configured network
// can be watched. It reads what the watchers keep (never calls an RPC itself): a hanging endpoint
// cannot slow it down.
import { startChain, type ChainFixture } from '../support/chain-fixture.js';
import { startHangingRpc, startTcpProxy, type FakeRpc, type TcpProxy } from '../support/faulty-rpc.js';
import { startPortal, type PortalFixture } from '../support/portal-fixture.js';
import { freePort } from '../../../tests/support/ports.js';

const STALE_MS = 1_500;

interface NetworkReport {
  ok: boolean;
  kind: string;
  lagBlocks?: number;
  headBlock?: number;
  cursorBlock?: number;
  lastSuccessAgoMs?: number;
  lastError?: string;
  rpc: Array<{ endpoint: number; state: string; consecutiveFailures: number }>;
}
interface ReadyBody {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string; networks?: Record<string, NetworkReport> }>;
}

async function readyz(p: PortalFixture): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${p.portal.publicUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

/** Polls /readyz until `predicate` holds (the watchers poll every 50 ms). */
async function until(
  p: PortalFixture,
  predicate: (r: { status: number; body: ReadyBody }) => boolean,
  timeoutMs = 15_000,
): Promise<{ status: number; body: ReadyBody }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await readyz(p);
    if (predicate(r)) return r;
    if (Date.now() > deadline)
      throw new Error(`/readyz never matched: ${r.status} ${JSON.stringify(r.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let chain: ChainFixture;
beforeAll(async () => {
  chain = await startChain();
});
afterAll(async () => {
  await chain?.close();
});

describe('two EVM networks, each behind its own RPC proxy', () => {
  let a: TcpProxy;
  let b: TcpProxy;
  let p: PortalFixture;
  beforeAll(async () => {
    a = await startTcpProxy(chain.anvil.rpcUrl);
    b = await startTcpProxy(chain.anvil.rpcUrl);
    p = await startPortal(chain, {
      extra: {
        watchers: {
          anvil: { rpcUrls: [a.url], pollIntervalMs: 50, rpcTimeoutMs: 500 },
          // A second network on the same chain through another proxy: what matters is its RPC.
          'anvil-b': { rpcUrls: [b.url], pollIntervalMs: 50, rpcTimeoutMs: 500 },
        },
        networks: {
          anvil: anvilNetwork(chain),
          'anvil-b': { ...anvilNetwork(chain), chainId: 31338, caip2: 'eip155:31338' },
        },
        readiness: { watcherStaleAfterMs: STALE_MS },
      },
    });
  });
  afterAll(async () => {
    await p?.close();
    await a?.close();
    await b?.close();
  });

  it('is ready with both watched, reporting lag and RPC health per network', async () => {
    // Ready needs one watched network; this test wants both, so it waits for the second too (on
    // a loaded machine its first pass can land after the first network's).
    const r = await until(
      p,
      (x) =>
        x.status === 200 &&
        ['anvil', 'anvil-b'].every((name) => x.body.checks.watchers?.networks?.[name]?.ok === true),
    );
    const networks = r.body.checks.watchers!.networks!;
    for (const name of ['anvil', 'anvil-b']) {
      const n = networks[name]!;
      expect(n).toMatchObject({
        ok: true,
        kind: 'evm',
        rpc: [{ endpoint: 0, state: 'up', consecutiveFailures: 0 }],
      });
      expect(n.lagBlocks).toBe(n.headBlock! - n.cursorBlock!);
      expect(n.lagBlocks).toBeGreaterThanOrEqual(0);
      expect(n.lastSuccessAgoMs).toBeLessThan(STALE_MS);
    }
    // RPC URLs may hold API keys: /readyz never shows them.
    expect(JSON.stringify(r.body)).not.toContain('127.0.0.1');
    const metrics = await (await fetch(`${p.portal.publicUrl}/metrics`)).text();
    expect(metrics).toMatch(/turnpike_portal_watcher_lag_blocks\{network="anvil-b"\} \d+/);
    expect(metrics).toMatch(/turnpike_portal_watcher_last_success_timestamp_seconds\{network="anvil"\} \d/);
    expect(metrics).toMatch(/turnpike_portal_rpc_endpoint_up\{network="anvil",endpoint="0"\} 1/);
  });

  it('stays ready while one network is down (reported), goes not-ready when none can be watched, and back', async () => {
    await until(p, (x) => x.status === 200);
    await b.down();
    const one = await until(p, (x) => x.body.checks.watchers?.networks?.['anvil-b']?.ok === false);
    expect(one.status).toBe(200);
    const downB = one.body.checks.watchers!.networks!['anvil-b']!;
    expect(downB.lastError).toMatch(/every RPC endpoint failed/);
    expect(downB.rpc).toEqual([{ endpoint: 0, state: 'down', consecutiveFailures: expect.any(Number) }]);
    expect(downB.rpc[0]!.consecutiveFailures).toBeGreaterThan(0);

    await a.down();
    const none = await until(p, (x) => x.status === 503);
    expect(none.body.checks.watchers).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/no network/),
    });
    expect(none.body.checks.database).toEqual({ ok: true });

    await a.up();
    await b.up();
    const back = await until(
      p,
      (x) => x.status === 200 && Object.values(x.body.checks.watchers!.networks!).every((n) => n.ok),
    );
    expect(back.body.checks.watchers!.ok).toBe(true);
  });
});

describe('the only RPC endpoint hangs', () => {
  let hanging: FakeRpc;
  let p: PortalFixture;
  beforeAll(async () => {
    hanging = await startHangingRpc();
    p = await startPortal(chain, {
      extra: {
        // The pass waits 20 s for an answer that never comes (far longer than the test).
        watchers: { anvil: { rpcUrls: [hanging.url], pollIntervalMs: 50, rpcTimeoutMs: 20_000 } },
        readiness: { watcherStaleAfterMs: STALE_MS },
      },
    });
  });
  afterAll(async () => {
    // The RPC first: its hung calls fail at once, so the watcher's pass ends and the portal stops.
    await hanging?.close();
    await p?.close();
  });

  it('answers not-ready from what the watcher keeps, without calling the RPC', async () => {
    const deadline = Date.now() + 10_000;
    while (hanging.calls === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const calls = hanging.calls;
    expect(calls).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      const r = await readyz(p);
      expect(r.status).toBe(503);
      // The watchers check answered (a /readyz that waited on the RPC would time out instead).
      expect(r.body.checks.watchers).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/no network/),
      });
      expect(r.body.checks.watchers!.networks!.anvil).toMatchObject({ ok: false });
      expect(r.body.checks.watchers!.networks!.anvil!.lastSuccessAgoMs).toBeUndefined();
    }
    expect(hanging.calls).toBe(calls);
  });
});

describe('a Solana network whose RPC is dead, next to a healthy EVM network', () => {
  let p: PortalFixture;
  beforeAll(async () => {
    p = await startPortal(chain, {
      solana: {
        rpcUrl: `http://127.0.0.1:${await freePort()}`,
        caip2: 'solana:TurnpikeReadinessTest11111111111',
        usdcMint: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
        wallet: '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM',
      },
      extra: { readiness: { watcherStaleAfterMs: STALE_MS } },
    });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('is ready through the EVM network and reports the Solana one as not watched, with no open offer to poll', async () => {
    const r = await until(
      p,
      (x) => x.status === 200 && x.body.checks.watchers?.networks?.['solana-local']?.lastError !== undefined,
    );
    expect(r.body.checks.watchers!.networks!['solana-local']).toMatchObject({
      ok: false,
      kind: 'solana',
      rpc: [{ endpoint: 0, state: 'down' }],
    });
    expect(r.body.checks.watchers!.networks!.anvil).toMatchObject({ ok: true });
  });
});

/** The anvil network exactly as the portal fixture declares it. */
function anvilNetwork(c: ChainFixture): Record<string, unknown> {
  return {
    kind: 'evm',
    chainId: 31337,
    caip2: 'eip155:31337',
    nativeSymbol: 'ETH',
    nativeDecimals: 18,
    confirmations: 1,
    testnet: true,
    tokens: {
      USDC: {
        kind: 'erc20',
        symbol: 'USDC',
        decimals: 6,
        address: c.usdc.address,
        eip712: { name: 'USD Coin', version: '2' },
      },
    },
  };
}
