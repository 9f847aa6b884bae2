/**
 * compose.yaml's try-out chain: anvil (the binary of the `@foundry-rs/anvil` npm package) on
 * 0.0.0.0:8545 with the public dev mnemonic, one block a second, and Circle's USDC deployed by
 * `deploy/dev` from anvil's first account. On a fresh chain the deployment's addresses follow
 * from that account's nonces, so the services' config can name USDC before it exists; this
 * script mints 1,000,000 USDC to each dev account and refuses to serve a chain whose USDC is elsewhere (TRY_OUT_USDC_ADDRESS). Development
 * only: anvil's dev accounts and their keys are public.
 */
import { spawn } from 'node:child_process';
import { anvilBinaryPath, DEV_CHAIN_ID, DEV_MNEMONIC, deployUsdc, jsonRpc } from '../dev/index.js';

const PORT = Number(process.env.TRY_OUT_ANVIL_PORT ?? 8545);
const EXPECTED_USDC = process.env.TRY_OUT_USDC_ADDRESS;
const STARTUP_TIMEOUT_MS = 30_000;
const BLOCK_TIME_SECONDS = 1;
const MINT_PER_ACCOUNT_ATOMIC = 1_000_000n * 10n ** 6n;
const rpcUrl = `http://127.0.0.1:${PORT}`;

const anvil = spawn(
  anvilBinaryPath(),
  ['--host', '0.0.0.0', '--port', String(PORT), '--chain-id', String(DEV_CHAIN_ID)].concat([
    '--mnemonic',
    DEV_MNEMONIC,
  ]),
  // anvil's banner lists the dev private keys: not worth echoing into the container's log.
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
anvil.once('exit', (code, signal) => {
  console.error(`try-out-chain: anvil exited (${signal ?? code})`);
  process.exit(1);
});
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    anvil.removeAllListeners('exit');
    anvil.once('exit', () => process.exit(0));
    anvil.kill('SIGTERM');
  });
}

async function waitForRpc(): Promise<string[]> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    try {
      return await jsonRpc<string[]>(rpcUrl, 'eth_accounts');
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

try {
  const accounts = await waitForRpc();
  const usdc = await deployUsdc(rpcUrl, accounts[0]!);
  if (EXPECTED_USDC !== undefined && usdc.address.toLowerCase() !== EXPECTED_USDC.toLowerCase()) {
    throw new Error(`USDC deployed at ${usdc.address}, the config names ${EXPECTED_USDC}`);
  }
  // Every dev account gets 1,000,000 USDC to pay with.
  for (const account of accounts) await usdc.mint(account, MINT_PER_ACCOUNT_ATOMIC);
  // Deployed with automine (a block per transaction, fast); from now on one block a second, so
  // payments gather confirmations without traffic.
  await jsonRpc(rpcUrl, 'evm_setIntervalMining', [BLOCK_TIME_SECONDS]);
  process.stdout.write(`try-out-chain: chain ${DEV_CHAIN_ID} on :${PORT}, USDC at ${usdc.address}\n`);
} catch (err) {
  console.error(`try-out-chain: ${err instanceof Error ? err.message : String(err)}`);
  anvil.kill('SIGKILL');
  process.exit(1);
}
