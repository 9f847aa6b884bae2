/**
 * The dev chain (deploy/dev startAnvil) runs bounded: no per-block state copies (they grew anvil
 * by ~18 MB/min in `npm start`, see bench/soak/README.md) and mined transactions kept for a fixed
 * number of blocks. What the portal's watcher, proofs and tests read still answers: balances at
 * `latest`, blocks, receipts and an eth_getLogs range of recent blocks, evm_snapshot/evm_revert.
 */
import { Contract, Wallet, parseEther } from 'ethers';
import {
  deployUsdc,
  devKey,
  devProvider,
  startAnvil,
  waitForReceipt,
  type AnvilChain,
} from '../support/anvil.js';

const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
const hex = (n: number) => `0x${n.toString(16)}`;

describe('startAnvil: bounded memory for long runs', () => {
  let anvil: AnvilChain;
  afterEach(async () => {
    await anvil?.stop();
  });

  it('keeps no state copy per block by default, while latest state, receipts, logs and snapshots work', async () => {
    anvil = await startAnvil();
    const deployer = anvil.accounts[0]!.address;
    const usdc = await deployUsdc(anvil.rpcUrl, deployer);
    const payee = Wallet.createRandom().address;
    const provider = devProvider(anvil.rpcUrl);
    try {
      const payer = new Wallet(devKey(1).privateKey, provider);
      await usdc.mint(payer.address, 5_000_000n);
      const token = new Contract(usdc.address, ['function transfer(address,uint256) returns (bool)'], payer);
      const sent = await (await token.getFunction('transfer')(payee, 1_250_000n)).wait();
      const native = await (await payer.sendTransaction({ to: payee, value: parseEther('0.5') })).wait();
      await anvil.rpc('anvil_mine', ['0x5']);
      const head = Number(await anvil.rpc<string>('eth_blockNumber'));

      // The state at a past block is gone (anvil's default kept a copy of it for every block) …
      await expect(anvil.rpc('eth_getBalance', [payee, hex(sent!.blockNumber - 1)])).rejects.toThrow();
      // … the state at latest is there.
      expect(BigInt(await anvil.rpc<string>('eth_getBalance', [payee, 'latest']))).toBe(parseEther('0.5'));

      // Blocks, receipts and the watcher's eth_getLogs over a range of recent blocks.
      const receipt = await anvil.rpc<{ status: string }>('eth_getTransactionReceipt', [native!.hash]);
      expect(receipt.status).toBe('0x1');
      const block = await anvil.rpc<{ transactions: Array<{ hash: string }> }>('eth_getBlockByNumber', [
        hex(native!.blockNumber),
        true,
      ]);
      expect(block.transactions.map((t) => t.hash)).toContain(native!.hash);
      const logs = await anvil.rpc<Array<{ transactionHash: string }>>('eth_getLogs', [
        {
          fromBlock: hex(Math.max(0, head - 20)),
          toBlock: hex(head),
          address: [usdc.address],
          topics: [TRANSFER_TOPIC, null, [`0x${payee.slice(2).toLowerCase().padStart(64, '0')}`]],
        },
      ]);
      expect(logs.map((l) => l.transactionHash)).toEqual([sent!.hash]);

      // evm_snapshot / evm_revert (the watcher's reorg tests) still work.
      const snapshot = await anvil.rpc<string>('evm_snapshot');
      await (await payer.sendTransaction({ to: payee, value: parseEther('1') })).wait();
      expect(await anvil.rpc('evm_revert', [snapshot])).toBe(true);
      expect(BigInt(await anvil.rpc<string>('eth_getBalance', [payee, 'latest']))).toBe(parseEther('0.5'));
      expect(Number(await anvil.rpc<string>('eth_blockNumber'))).toBe(head);
    } finally {
      provider.destroy();
    }
  });

  it('drops mined transactions older than transactionBlockKeeper blocks and keeps the recent ones', async () => {
    anvil = await startAnvil({ transactionBlockKeeper: 4 });
    const from = anvil.accounts[1]!.address;
    const to = Wallet.createRandom().address;
    const send = () => anvil.rpc<string>('eth_sendTransaction', [{ from, to, value: '0x1' }]);
    const old = await send();
    await waitForReceipt(anvil.rpcUrl, old);
    await anvil.rpc('anvil_mine', ['0x8']);
    const recent = await send();
    await waitForReceipt(anvil.rpcUrl, recent);
    expect(await anvil.rpc('eth_getTransactionReceipt', [old])).toBeNull();
    expect(await anvil.rpc('eth_getTransactionReceipt', [recent])).not.toBeNull();
  });

  it('keeps the full history when asked (keepStateHistory, transactionBlockKeeper: null)', async () => {
    anvil = await startAnvil({ keepStateHistory: true, transactionBlockKeeper: null });
    const from = anvil.accounts[1]!.address;
    const to = Wallet.createRandom().address;
    const hash = await anvil.rpc<string>('eth_sendTransaction', [{ from, to, value: '0x7' }]);
    const mined = await waitForReceipt(anvil.rpcUrl, hash);
    await anvil.rpc('anvil_mine', ['0x10']);
    expect(BigInt(await anvil.rpc<string>('eth_getBalance', [to, mined.blockNumber]))).toBe(7n);
    expect(await anvil.rpc('eth_getTransactionReceipt', [hash])).not.toBeNull();
  });

  it('refuses a transactionBlockKeeper that is not a positive integer', async () => {
    await expect(startAnvil({ transactionBlockKeeper: 0 })).rejects.toThrow(/transactionBlockKeeper/);
  });
});
