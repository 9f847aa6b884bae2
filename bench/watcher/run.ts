/**
 * Watcher benchmark on a real anvil chain with Circle's USDC (run: `npx tsx --conditions=source bench/watcher/run.ts`).
 *
 * 1. RPC calls and scan time per block while following the head, with 10 and with 10,000 open
 *    invoices (one USDC transfer per block to a watched address), beside a baseline of the raw
 *    eth_getLogs / eth_getBlockByNumber calls for the same blocks.
 * 2. Detection latency with 1 s blocks: from the moment the paying block is visible on the node
 *    to the invoice's paid status in the database (watcher polling every 100 ms, 0 confirmations).
 * 3. Receive address allocation rate: whole invoices (one transaction each) and bare allocations.
 *
 * Writes bench/results/watcher.json and bench/results/watcher.md.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  createNetworkRegistry,
  localAnvilNetwork,
  type EvmNetwork,
  type PaymentRequest,
} from '@turnpike/protocol';
import { createLogger } from '@turnpike/protocol/service';
import { createAddressPool } from '../../payment-portal/src/addresses/address-pool.js';
import { createEvmAddressDeriver } from '../../payment-portal/src/addresses/derive-evm.js';
import { createInvoice } from '../../payment-portal/src/invoices/create-invoice.js';
import {
  allocateReceiveAddress,
  migrate,
  openDatabase,
  type Database,
} from '../../payment-portal/src/storage/index.js';
import { createEvmWatcher } from '../../payment-portal/src/watchers/evm/evm-watcher.js';
import { createRpcClient } from '../../payment-portal/src/watchers/evm/rpc-client.js';
import { addressTopic, TRANSFER_TOPIC } from '../../payment-portal/src/watchers/evm/rpc-schemas.js';
import {
  deployUsdc,
  jsonRpc,
  startAnvil,
  type AnvilChain,
  type DeployedToken,
} from '../../deploy/dev/index.js';
import { DEV_RECEIVE_XPUB } from '../../deploy/dev/portal-config.js';
import { round, stats } from '../lib/stats.js';

const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));
const BLOCKS_PER_CASE = Number(process.env.BENCH_BLOCKS ?? 40);
const LATENCY_SAMPLES = 10;
const logger = createLogger({ name: 'bench', level: 'silent' });

async function setup(_anvil: AnvilChain, usdc: DeployedToken, confirmations: number) {
  const registry = createNetworkRegistry({
    anvil: localAnvilNetwork({ usdcAddress: usdc.address, confirmations }),
  });
  const network = registry.require('anvil') as EvmNetwork;
  const db = await openDatabase({ memory: true });
  await migrate(db);
  const pool = createAddressPool({
    db,
    deriver: createEvmAddressDeriver(DEV_RECEIVE_XPUB),
    lowWater: 500,
    batch: 2_000,
    logger,
  });
  const usdcAsset = registry.asset('anvil', 'USDC');
  const request: PaymentRequest = {
    claims: {},
    tokenLifetimeMs: 3_600_000,
    offers: [{ network: 'anvil', asset: usdcAsset, amount: '1', atomic: 1_000_000n }],
    customization: {},
  };
  const deps = {
    db,
    registry,
    evmPool: pool,
    watchedNetworks: new Set(['anvil']),
    expiryMinutes: 600,
    rateLimitPerMinutePerIp: 1_000_000,
  };
  const make = () =>
    createInvoice(deps, {
      target: { host: 'bench.test', scheme: 'https', resource: '/p', originalUri: '/p' },
      request,
      clientIp: null,
      source: 'pay_page',
    });
  return { registry, network, db, pool, make };
}

async function perBlockCase(anvil: AnvilChain, usdc: DeployedToken, payer: string, openInvoices: number) {
  const env = await setup(anvil, usdc, 0);
  const t0 = performance.now();
  await env.pool.refill();
  const invoices = [];
  for (let i = 0; i < openInvoices; i++) invoices.push(await env.make());
  const setupMs = performance.now() - t0;
  let calls = 0;
  const rpc = createRpcClient({ urls: [anvil.rpcUrl], timeoutMs: 5_000, onCall: () => calls++ });
  const watcher = createEvmWatcher({
    db: env.db,
    network: env.network,
    rpc,
    confirmations: 0,
    pollIntervalMs: 1_000,
    maxBlockRange: 500,
    topicOrListMax: 1_000,
    lateGraceMs: 3_600_000,
    owner: 'bench',
    logger,
  });
  await watcher.pass();
  const scanMs: number[] = [];
  const callsPerBlock: number[] = [];
  const watchedAddresses = invoices.map((i) => i.offers[0]!.payTo);
  let fromBlock = 0;
  for (let b = 0; b < BLOCKS_PER_CASE; b++) {
    await usdc.transfer(payer, invoices[b % invoices.length]!.offers[0]!.payTo, 1_000n); // automine: one block
    const before = calls;
    const start = performance.now();
    const result = await watcher.pass();
    scanMs.push(performance.now() - start);
    const blocks =
      result.toBlock !== undefined && result.fromBlock !== undefined
        ? Number(result.toBlock - result.fromBlock + 1n)
        : 1;
    callsPerBlock.push((calls - before) / blocks);
    if (b === 0) fromBlock = Number(result.fromBlock ?? 0n);
  }
  // Baseline: the raw calls a scan needs for the same blocks, timed alone.
  const toBlock = fromBlock + BLOCKS_PER_CASE - 1;
  const hex = (n: number) => `0x${n.toString(16)}`;
  const logsMs: number[] = [];
  const blockMs: number[] = [];
  for (let n = fromBlock; n <= toBlock; n++) {
    const topics =
      watchedAddresses.length <= 1_000
        ? [TRANSFER_TOPIC, null, watchedAddresses.map(addressTopic)]
        : [TRANSFER_TOPIC];
    let s = performance.now();
    await jsonRpc(anvil.rpcUrl, 'eth_getLogs', [
      { fromBlock: hex(n), toBlock: hex(n), address: [usdc.address], topics },
    ]);
    logsMs.push(performance.now() - s);
    s = performance.now();
    await jsonRpc(anvil.rpcUrl, 'eth_getBlockByNumber', [hex(n), true]);
    blockMs.push(performance.now() - s);
  }
  await watcher.stop();
  await env.pool.stop();
  await env.db.close();
  return {
    openInvoices,
    setupMs: round(setupMs),
    rpcCallsPerBlock: stats(callsPerBlock),
    scanMsPerBlock: stats(scanMs),
    baseline: { getLogsMs: stats(logsMs), getBlockMs: stats(blockMs) },
  };
}

async function latencyCase(payer: string) {
  const anvil = await startAnvil({ blockTimeSeconds: 1 });
  try {
    const usdc = await deployUsdc(anvil.rpcUrl, anvil.accounts[0]!.address);
    await usdc.mint(payer, 10n ** 12n);
    const env = await setup(anvil, usdc, 0);
    await env.pool.refill();
    const rpc = createRpcClient({ urls: [anvil.rpcUrl], timeoutMs: 5_000 });
    const watcher = createEvmWatcher({
      db: env.db,
      network: env.network,
      rpc,
      confirmations: 0,
      pollIntervalMs: 100,
      maxBlockRange: 500,
      topicOrListMax: 1_000,
      lateGraceMs: 3_600_000,
      owner: 'bench',
      logger,
    });
    watcher.start();
    const fromBlockVisible: number[] = [];
    const fromSend: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const invoice = await env.make();
      const sentAt = performance.now();
      const hash = await jsonRpc<string>(anvil.rpcUrl, 'eth_sendTransaction', [
        {
          from: payer,
          to: usdc.address,
          data: `0xa9059cbb${addressTopic(invoice.offers[0]!.payTo).slice(2)}${(1_000_000).toString(16).padStart(64, '0')}`,
        },
      ]);
      let visibleAt = 0;
      let paidAt = 0;
      while (paidAt === 0) {
        if (
          visibleAt === 0 &&
          (await jsonRpc<unknown>(anvil.rpcUrl, 'eth_getTransactionReceipt', [hash])) !== null
        )
          visibleAt = performance.now();
        const row = await env.db.query<{ status: string }>('SELECT status FROM invoices WHERE id = $1', [
          invoice.id,
        ]);
        if (row.rows[0]?.status === 'paid') paidAt = performance.now();
        else await new Promise((r) => setTimeout(r, 5));
      }
      if (visibleAt === 0) visibleAt = paidAt;
      fromBlockVisible.push(paidAt - visibleAt);
      fromSend.push(paidAt - sentAt);
    }
    await watcher.stop();
    await env.pool.stop();
    await env.db.close();
    return {
      blockTimeMs: 1_000,
      pollIntervalMs: 100,
      blockVisibleToPaidMs: stats(fromBlockVisible),
      sendToPaidMs: stats(fromSend),
    };
  } finally {
    await anvil.stop();
  }
}

async function allocationCase(anvil: AnvilChain, usdc: DeployedToken) {
  const env = await setup(anvil, usdc, 0);
  let t = performance.now();
  const derived = await env.pool.refill();
  const deriveMs = performance.now() - t;
  const n = 1_000;
  t = performance.now();
  for (let i = 0; i < n; i++) await env.make();
  const invoicesPerSecond = n / ((performance.now() - t) / 1_000);
  t = performance.now();
  for (let i = 0; i < n; i++) await allocateReceiveAddress(env.db as Database, env.pool.walletId, null);
  const allocationsPerSecond = n / ((performance.now() - t) / 1_000);
  await env.pool.stop();
  await env.db.close();
  return {
    database: 'PGlite (in memory)',
    derivedAddresses: derived,
    deriveMsPerAddress: round(deriveMs / derived),
    invoicesPerSecond: round(invoicesPerSecond),
    bareAllocationsPerSecond: round(allocationsPerSecond),
  };
}

async function main() {
  const anvil = await startAnvil();
  let perBlock;
  let allocation;
  try {
    const usdc = await deployUsdc(anvil.rpcUrl, anvil.accounts[0]!.address);
    const payer = anvil.accounts[1]!.address;
    await usdc.mint(payer, 10n ** 12n);
    perBlock = [
      await perBlockCase(anvil, usdc, payer, 10),
      await perBlockCase(anvil, usdc, payer, Number(process.env.BENCH_LARGE ?? 10_000)),
    ];
    allocation = await allocationCase(anvil, usdc);
  } finally {
    await anvil.stop();
  }
  const latency = await latencyCase('0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
  const [small, large] = perBlock as [
    Awaited<ReturnType<typeof perBlockCase>>,
    Awaited<ReturnType<typeof perBlockCase>>,
  ];
  const goals = {
    rpcCallsPerBlockConstant: small.rpcCallsPerBlock.mean === large.rpcCallsPerBlock.mean,
    scanTimeAt10kWithin2x: large.scanMsPerBlock.p50 <= 2 * small.scanMsPerBlock.p50,
    latencyWithinBlockTimePlus300ms: latency.blockVisibleToPaidMs.p90 <= 300,
  };
  const result = {
    measuredAt: new Date().toISOString(),
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
    perBlock,
    latency,
    allocation,
    goals,
  };
  await mkdir(RESULTS, { recursive: true });
  await writeFile(`${RESULTS}watcher.json`, `${JSON.stringify(result, null, 2)}\n`);
  const row = (c: typeof small) =>
    `| ${c.openInvoices} | ${c.rpcCallsPerBlock.mean} | ${c.scanMsPerBlock.p50} | ${c.scanMsPerBlock.p90} | ${c.baseline.getLogsMs.p50} | ${c.baseline.getBlockMs.p50} |`;
  const md = `# Watcher benchmark

Measured ${result.measuredAt} on ${result.machine.cpus} cores, Node ${result.machine.node}; anvil from npm with Circle's
USDC (FiatTokenV2_2); PGlite in memory. Run: \`npx tsx --conditions=source bench/watcher/run.ts\`.

## Per block while following the head (${BLOCKS_PER_CASE} blocks, one USDC transfer each)

| open invoices | RPC calls / block | scan ms p50 | scan ms p90 | baseline eth_getLogs ms p50 | baseline eth_getBlockByNumber ms p50 |
|---|---|---|---|---|---|
${row(small)}
${row(large)}

RPC calls per block constant: **${goals.rpcCallsPerBlockConstant ? 'yes' : 'no'}**; scan time at 10,000 ≤ 2× at 10 (p50): **${goals.scanTimeAt10kWithin2x ? 'yes' : 'no'}**.
A pass is eth_blockNumber + eth_getBlockByNumber per new block + one eth_getLogs per range; above
1,000 watched addresses the token's Transfer logs of the range are fetched once and only their recipients are looked up in the database.

## Detection latency, 1 s blocks, watcher polling every 100 ms, 0 confirmations (${LATENCY_SAMPLES} payments)

| | p50 ms | p90 ms | max ms |
|---|---|---|---|
| paying block visible on the node → invoice paid | ${latency.blockVisibleToPaidMs.p50} | ${latency.blockVisibleToPaidMs.p90} | ${latency.blockVisibleToPaidMs.max} |
| transaction sent → invoice paid (includes waiting for the block) | ${latency.sendToPaidMs.p50} | ${latency.sendToPaidMs.p90} | ${latency.sendToPaidMs.max} |

Goal (block time + 300 ms, i.e. ≤ 300 ms after the block): **${goals.latencyWithinBlockTimePlus300ms ? 'met' : 'missed'}** (p90).

## Receive addresses

| derive (ms / address) | invoices created / s (one transaction, 1 offer) | bare allocations / s (one UPDATE … SKIP LOCKED) |
|---|---|---|
| ${allocation.deriveMsPerAddress} | ${allocation.invoicesPerSecond} | ${allocation.bareAllocationsPerSecond} |
`;
  await writeFile(`${RESULTS}watcher.md`, md);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
