/**
 * Many payer wallets funded from the dev accounts in a few seconds: with automine off, one
 * JSON-RPC batch to anvil of native transfers from dev account 0 and USDC `mint`s by the same
 * account (the deployer is USDC's minter), mined together, then every receipt checked. Leaves
 * automine off: the caller chooses how blocks come next.
 */
import { Interface, Wallet, keccak256, toUtf8Bytes, type JsonRpcProvider } from 'ethers';
import { z } from 'zod';

const RPC_TIMEOUT_MS = 30_000;
const MINT = new Interface(['function mint(address to, uint256 amount) returns (bool)']);

const batchAnswerSchema = z.array(
  z.object({
    id: z.number(),
    result: z.unknown().optional(),
    error: z.object({ message: z.string() }).optional(),
  }),
);
const receiptSchema = z.object({ status: z.string() }).nullable();

export interface FundPayersOptions {
  rpcUrl: string;
  provider: JsonRpcProvider;
  /** An unlocked dev account that holds ETH and is USDC's minter (anvil account 0). */
  funder: string;
  usdcAddress: string;
  count: number;
  weiEach: bigint;
  usdcAtomicEach: bigint;
  /** Mixed into the keys so two suites never share wallets. */
  seed: string;
}

async function batch(
  rpcUrl: string,
  calls: Array<{ method: string; params: unknown[] }>,
): Promise<unknown[]> {
  const res = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(calls.map((c, id) => ({ jsonrpc: '2.0', id, ...c }))),
    signal: AbortSignal.timeout(RPC_TIMEOUT_MS),
  });
  const answers = batchAnswerSchema.parse(await res.json());
  const byId = new Map(answers.map((a) => [a.id, a]));
  return calls.map((c, id) => {
    const a = byId.get(id);
    if (a === undefined) throw new Error(`${c.method}: no answer in the batch`);
    if (a.error !== undefined) throw new Error(`${c.method}: ${a.error.message}`);
    return a.result;
  });
}

/** `count` fresh wallets (deterministic per seed), each holding `weiEach` and `usdcAtomicEach`. */
export async function fundPayers(opts: FundPayersOptions): Promise<Wallet[]> {
  const wallets = Array.from(
    { length: opts.count },
    (_, i) => new Wallet(keccak256(toUtf8Bytes(`${opts.seed}/${i}`)), opts.provider),
  );
  await batch(opts.rpcUrl, [{ method: 'evm_setAutomine', params: [false] }]);
  // Explicit nonces: anvil runs a batch's calls concurrently, so its own nonce picking would race.
  const [first] = await batch(opts.rpcUrl, [
    { method: 'eth_getTransactionCount', params: [opts.funder, 'pending'] },
  ]);
  const base = Number(z.string().parse(first));
  const hex = (n: bigint | number) => `0x${n.toString(16)}`;
  const calls = wallets.flatMap((w, i) => [
    {
      method: 'eth_sendTransaction',
      params: [{ from: opts.funder, to: w.address, value: hex(opts.weiEach), nonce: hex(base + 2 * i) }],
    },
    {
      method: 'eth_sendTransaction',
      params: [
        {
          from: opts.funder,
          to: opts.usdcAddress,
          data: MINT.encodeFunctionData('mint', [w.address, opts.usdcAtomicEach]),
          nonce: hex(base + 2 * i + 1),
        },
      ],
    },
  ]);
  const hashes = (await batch(opts.rpcUrl, calls)).map((h) => z.string().parse(h));
  let pending = hashes;
  const deadline = Date.now() + RPC_TIMEOUT_MS;
  while (pending.length > 0) {
    if (Date.now() > deadline) throw new Error(`${pending.length} funding transactions not mined`);
    await batch(opts.rpcUrl, [{ method: 'evm_mine', params: [] }]);
    const receipts = await batch(
      opts.rpcUrl,
      pending.map((h) => ({ method: 'eth_getTransactionReceipt', params: [h] })),
    );
    const missing: string[] = [];
    receipts.forEach((r, i) => {
      const receipt = receiptSchema.parse(r);
      if (receipt === null) missing.push(pending[i]!);
      else if (receipt.status !== '0x1')
        throw new Error(`funding tx ${pending[i]} failed: ${JSON.stringify(r)}`);
    });
    pending = missing;
  }
  return wallets;
}
