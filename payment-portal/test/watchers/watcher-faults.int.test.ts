import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/storage/index.js';
import { RpcError } from '../../src/watchers/evm/rpc-client.js';
import { mine, startChain, startCore, type ChainFixture } from '../support/chain-fixture.js';
import { startGarbageRpc, startHangingRpc, startTcpProxy } from '../support/faulty-rpc.js';

describe('EVM watcher under reorgs, RPC failures and restarts', () => {
  let chain: ChainFixture;
  beforeAll(async () => {
    chain = await startChain({ confirmations: 3 });
  });
  afterAll(async () => {
    await chain?.close();
  });

  it('credits nothing from a block that a reorg drops inside the confirmation window, then credits the re-mined payment', async () => {
    const core = await startCore(chain);
    try {
      const watcher = core.watcher();
      await watcher.pass();
      const invoice = await core.createInvoice([{ symbol: 'USDC', amount: '2' }]);
      const payTo = invoice.offers[0]!.payTo;
      const snapshot = await chain.anvil.rpc<string>('evm_snapshot');
      await chain.usdc.transfer(chain.payer, payTo, 2_000_000n);
      await mine(chain, 1);
      await watcher.pass();
      expect((await core.invoice(invoice.id)).status).toBe('confirming');

      // The block with the payment disappears; the new chain is longer than the old one.
      await chain.anvil.rpc('evm_revert', [snapshot]);
      await mine(chain, 5);
      const rolled = await watcher.pass();
      expect(rolled.reorgTo).toBeDefined();
      for (let i = 0; i < 3; i++) await watcher.pass();
      const after = await core.invoice(invoice.id);
      expect(after.status).toBe('pending');
      expect(after.offers[0]!.receivedAtomic).toBe(0n);
      const rows = await core.db.query<{ status: string }>('SELECT status FROM payments WHERE pay_to = $1', [
        payTo,
      ]);
      expect(rows.rows.map((r) => r.status)).toEqual(['reorged']);

      await chain.usdc.transfer(chain.payer, payTo, 2_000_000n);
      await mine(chain, 3);
      await watcher.pass();
      expect((await core.invoice(invoice.id)).status).toBe('paid');
    } finally {
      await core.close();
    }
  });

  it('credits a payment made while the only RPC endpoint was down, once it is back', async () => {
    const proxy = await startTcpProxy(chain.anvil.rpcUrl);
    const core = await startCore(chain);
    try {
      const watcher = core.watcher({ rpcUrls: [proxy.url], rpcTimeoutMs: 500 });
      await watcher.pass();
      const invoice = await core.createInvoice([{ symbol: 'USDC', amount: '1' }]);
      await proxy.down();
      await chain.usdc.transfer(chain.payer, invoice.offers[0]!.payTo, 1_000_000n);
      await mine(chain, 3);
      await expect(watcher.pass()).rejects.toBeInstanceOf(RpcError);
      expect((await core.invoice(invoice.id)).status).toBe('pending');
      await proxy.up();
      await watcher.pass();
      expect((await core.invoice(invoice.id)).status).toBe('paid');
    } finally {
      await core.close();
      await proxy.close();
    }
  });

  it('fails over past an endpoint that hangs and one that answers garbage', async () => {
    const hanging = await startHangingRpc();
    const garbage = await startGarbageRpc();
    const core = await startCore(chain);
    try {
      const watcher = core.watcher({
        rpcUrls: [hanging.url, garbage.url, chain.anvil.rpcUrl],
        rpcTimeoutMs: 300,
      });
      await watcher.pass();
      const invoice = await core.createInvoice([{ amount: '0.002' }]);
      await chain.anvil.rpc('eth_sendTransaction', [
        { from: chain.payer, to: invoice.offers[0]!.payTo, value: '0x71afd498d0000' },
      ]);
      await mine(chain, 3);
      await watcher.pass();
      expect((await core.invoice(invoice.id)).status).toBe('paid');
      expect(hanging.calls).toBeGreaterThan(0);
      expect(garbage.calls).toBeGreaterThan(0);

      // Garbage alone is never trusted: the pass fails and nothing is recorded.
      const onlyGarbage = core.watcher({ rpcUrls: [garbage.url], owner: 'test-replica' });
      await expect(onlyGarbage.pass()).rejects.toBeInstanceOf(RpcError);
    } finally {
      await core.close();
      await hanging.close();
      await garbage.close();
    }
  });

  it('finishes an invoice after a restart between seen and paid (on-disk PGlite)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portal-restart-'));
    try {
      let db = await openDatabase({ dataDir: dir });
      let core = await startCore(chain, { db });
      const first = core.watcher({ owner: 'before-crash' });
      await first.pass();
      const invoice = await core.createInvoice([{ symbol: 'USDC', amount: '1' }]);
      await chain.usdc.transfer(chain.payer, invoice.offers[0]!.payTo, 1_000_000n);
      await first.pass();
      expect((await core.invoice(invoice.id)).status).toBe('confirming');
      // The process dies: no lease release, the database is closed under it.
      await core.pool.stop();
      await db.close();

      await mine(chain, 4);
      db = await openDatabase({ dataDir: dir });
      core = await startCore(chain, { db });
      // The dead replica's lease lapses (its TTL is 15 s; shortened here).
      await db.query(`UPDATE watcher_cursors SET lease_expires_at = now() - interval '1 second'`);
      await core.watcher({ owner: 'after-restart' }).pass();
      expect((await core.invoice(invoice.id)).status).toBe('paid');
      await core.close();
      await db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
