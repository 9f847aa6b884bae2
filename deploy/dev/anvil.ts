/**
 * A local anvil chain for `npm start`, the tests and the benchmarks. The binary ships inside the
 * npm package `@foundry-rs/anvil-linux-amd64`, so nothing is downloaded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

/** The well-known development mnemonic: its accounts are public, funded only on dev chains. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
/** anvil's own default chain id: the tests, the benchmarks and the Compose try-out chain. */
export const DEV_CHAIN_ID = 31337;
/**
 * `npm start`'s anvil chain id: Base Sepolia's. Unmodified x402 v1 clients (`x402-fetch`,
 * `x402-axios`) sign EIP-3009 for the chain id of a v1 network name from their own fixed table,
 * which has no local chain; on 84532 they sign as for `base-sepolia` (x402's default testnet) and
 * pay. The registry name stays `anvil`; the built-in `base-sepolia` is left out of the dev stack.
 */
export const DEV_STACK_CHAIN_ID = 84532;
const STARTUP_TIMEOUT_MS = 15_000;
const RPC_TIMEOUT_MS = 10_000;
/**
 * Mined transactions (with their receipts, logs and call traces) are kept for this many blocks:
 * an hour at the dev stack's one block a second, far more than any test mines.
 */
export const DEFAULT_TRANSACTION_BLOCK_KEEPER = 3_600;

export interface StartAnvilOptions {
  /** 0 (default) lets anvil pick a free port and report it. */
  port?: number;
  /** Mine a block every n seconds instead of one per transaction. */
  blockTimeSeconds?: number;
  mnemonic?: string;
  chainId?: number;
  /**
   * Keep a copy of the state at every block (anvil's default), so state reads at past blocks work.
   * Off by default: at one block a second those copies grew anvil by ~18 MB/min in `npm start`
   * (bench/soak/README.md has the figures). Off = `--prune-history`: state is read at `latest` and
   * `pending` only; blocks, receipts, logs, `evm_snapshot`/`evm_revert` are unaffected.
   */
  keepStateHistory?: boolean;
  /**
   * Drop mined transactions (bodies, receipts, logs, traces) of blocks older than this many
   * (`--transaction-block-keeper`); `null` keeps them all. Default DEFAULT_TRANSACTION_BLOCK_KEEPER.
   */
  transactionBlockKeeper?: number | null;
  /** Extra command-line arguments, e.g. `['--slots-in-an-epoch', '1']`. */
  extraArgs?: string[];
}

export interface AnvilChain {
  rpcUrl: string;
  /** Process id of the anvil binary (for memory figures). */
  pid: number;
  chainId: number;
  accounts: Array<{ address: string }>;
  /** One JSON-RPC call; throws on an RPC error. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

/** Path of the anvil binary from the npm package. */
export function anvilBinaryPath(): string {
  const require = createRequire(import.meta.url);
  return require.resolve('@foundry-rs/anvil-linux-amd64/bin/anvil');
}

/** Sends one JSON-RPC request to `rpcUrl`. */
export async function jsonRpc<T = unknown>(
  rpcUrl: string,
  method: string,
  params: unknown[] = [],
): Promise<T> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(RPC_TIMEOUT_MS),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** Starts anvil on 127.0.0.1 and resolves once it answers RPC. */
export async function startAnvil(opts: StartAnvilOptions = {}): Promise<AnvilChain> {
  const chainId = opts.chainId ?? DEV_CHAIN_ID;
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    String(opts.port ?? 0),
    '--chain-id',
    String(chainId),
    '--mnemonic',
    opts.mnemonic ?? DEV_MNEMONIC,
    ...(opts.blockTimeSeconds !== undefined ? ['--block-time', String(opts.blockTimeSeconds)] : []),
    ...(opts.keepStateHistory === true ? [] : ['--prune-history']),
    ...transactionKeeperArgs(opts.transactionBlockKeeper),
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(anvilBinaryPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await waitForListening(child);
  const rpcUrl = `http://127.0.0.1:${port}`;
  const rpc = <T>(method: string, params: unknown[] = []) => jsonRpc<T>(rpcUrl, method, params);
  let accounts: string[];
  try {
    accounts = await rpc<string[]>('eth_accounts');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    rpcUrl,
    pid: child.pid!,
    chainId,
    accounts: accounts.map((address) => ({ address })),
    rpc,
    stop: () => stopChild(child),
  };
}

function transactionKeeperArgs(keeper: number | null | undefined): string[] {
  if (keeper === null) return [];
  const blocks = keeper ?? DEFAULT_TRANSACTION_BLOCK_KEEPER;
  if (!Number.isInteger(blocks) || blocks < 1)
    throw new RangeError(`transactionBlockKeeper must be a positive integer or null, got ${blocks}`);
  return ['--transaction-block-keeper', String(blocks)];
}

// anvil prints its banner (which lists the dev private keys) and then "Listening on host:port";
// the banner is read only to find the port and is never logged.
function waitForListening(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`anvil did not start within ${STARTUP_TIMEOUT_MS} ms: ${stderr.slice(0, 500)}`));
    }, STARTUP_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const match = /Listening on [\d.]+:(\d+)/.exec(buffered);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume(); // keep draining so anvil never blocks on a full pipe
        resolve(Number(match[1]));
      } else if (buffered.length > 64_000) {
        buffered = buffered.slice(-1_000);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`anvil exited with code ${code}: ${stderr.slice(0, 500)}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Sends `wei` from an unlocked account and waits for the receipt; resolves with the tx hash. */
export async function sendNative(rpcUrl: string, from: string, to: string, wei: bigint): Promise<string> {
  const hash = await jsonRpc<string>(rpcUrl, 'eth_sendTransaction', [
    { from, to, value: `0x${wei.toString(16)}` },
  ]);
  await waitForReceipt(rpcUrl, hash);
  return hash;
}

/** Polls for a transaction receipt (automine answers at once; interval mining within a block). */
export async function waitForReceipt(
  rpcUrl: string,
  hash: string,
  timeoutMs = 30_000,
): Promise<{ blockNumber: string; status: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await jsonRpc<{ blockNumber: string; status: string } | null>(
      rpcUrl,
      'eth_getTransactionReceipt',
      [hash],
    );
    if (receipt) return receipt;
    if (Date.now() > deadline) throw new Error(`no receipt for ${hash} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
