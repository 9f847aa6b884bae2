// The relayer's lane pipelines settlements: each is simulated and sent in turn (nonces from the
// lane's counter), and mined and credited outside the lane, so later ones are sent while earlier
// ones wait for a block. Its nonce counter recovers when another sender (a second replica with
// the same key, or a restart) has used the next nonce. Real anvil, Circle's USDC.
import { Wallet } from 'ethers';
import { decodeJwt } from 'jose';
import { toWire, paymentRequestFromJson, type SettleResponse } from '@turnpike/protocol';
import { Secret } from '@turnpike/protocol/service';
import {
  createProofHandlers,
  createRelayer,
  proofsConfigSchema,
  type ProofVerifier,
} from '../../src/proofs/index.js';
import { devProvider } from '../../../tests/support/anvil.js';
import { DEFAULT_REQUEST, startProofCore, type ProofCore } from './support/evm-proof-fixture.js';
import { creditsOf, watchBalances } from './support/x402-ledger.js';
import { signAuthorization, v2Payload, x402Proof } from './support/x402-payloads.js';
import { startX402Stand, type X402Stand } from './support/x402-stand.js';

const PRICE = 1_000_000n;
let stand: X402Stand;
let core: ProofCore;
let payTo: string;

beforeAll(async () => {
  stand = await startX402Stand();
  core = await startProofCore(stand);
  payTo = core.pctx.payee.x402!.payTo;
  process.env.PIPELINE_RELAYER_KEY = stand.relayerKey;
}, 60_000);
afterAll(async () => {
  delete process.env.PIPELINE_RELAYER_KEY;
  await core?.close();
  await stand?.close();
});

/** An x402 verifier over its own relayer instance (a replica's, or one after a restart). */
async function replica(): Promise<ProofVerifier> {
  const relayer = createRelayer({
    key: new Secret(stand.relayerKey),
    rpcUrls: core.pctx.rpcUrls,
    networks: [stand.network],
    rpcTimeoutMs: 5_000,
  });
  const config = await proofsConfigSchema.parseAsync({
    x402: { mode: 'relayer', relayerKey: { fromEnv: 'PIPELINE_RELAYER_KEY' }, receiptTimeoutMs: 30_000 },
  });
  return createProofHandlers({ config, relayer }).x402!;
}

async function payloads(n: number): Promise<unknown[]> {
  const out: unknown[] = [];
  // One at a time: each authorization has its own random nonce; the payer signs offline.
  for (let i = 0; i < n; i++)
    out.push(v2Payload(stand, payTo, PRICE, await signAuthorization(stand, payTo, PRICE)));
  return out;
}

const settleWith = (verifier: ProofVerifier, payload: unknown) =>
  verifier(
    core.settleRequest(
      toWire(paymentRequestFromJson(DEFAULT_REQUEST, stand.registry)),
      x402Proof(2, payload),
    ),
    core.pctx,
  );

function transactionOf(r: SettleResponse): string {
  if (!r.ok) throw new Error(`refused: ${r.reason} ${r.message}`);
  return (r.receipt as { transaction: string }).transaction;
}

test('five settlements are all sent before the first is mined, then mined in one block and each credited once', async () => {
  const provider = devProvider(stand.anvil.rpcUrl);
  const relayerAddress = new Wallet(stand.relayerKey).address;
  const verifier = await replica();
  const flow = await watchBalances(stand.usdc, [payTo, stand.payer.address]);
  const signed = await payloads(5);
  const nonceBefore = await provider.getTransactionCount(relayerAddress, 'latest');
  await provider.send('evm_setAutomine', [false]);
  let settling: Promise<SettleResponse[]> | undefined;
  try {
    settling = Promise.all(signed.map((p) => settleWith(verifier, p)));
    // A lane that waited for each receipt before the next send would never have five pending.
    const deadline = Date.now() + 20_000;
    while ((await provider.getTransactionCount(relayerAddress, 'pending')) - nonceBefore < 5) {
      if (Date.now() > deadline)
        throw new Error('the relayer did not send five settlements ahead of a block');
      await new Promise((r) => setTimeout(r, 50));
    }
    await provider.send('evm_mine', []);
  } finally {
    await provider.send('evm_setAutomine', [true]);
  }
  const answers = await settling;
  const txs = answers.map(transactionOf);
  const mined = await Promise.all(txs.map((h) => provider.getTransaction(h)));
  expect(new Set(mined.map((t) => t!.blockNumber)).size).toBe(1);
  expect(mined.map((t) => t!.nonce).sort((a, b) => a - b)).toEqual(
    [0, 1, 2, 3, 4].map((i) => nonceBefore + i),
  );
  expect(new Set(answers.map((a) => (a.ok ? decodeJwt(a.token).jti : ''))).size).toBe(5);
  expect(await flow.moved()).toEqual([5n * PRICE, -5n * PRICE]);
  for (const [i, p] of signed.entries()) {
    const exact = (p as { payload: { authorization: { nonce: string } } }).payload;
    expect(await creditsOf(core.db, exact as never, stand.usdc.address)).toMatchObject([{ tx_hash: txs[i] }]);
  }
});

test('another sender using the next nonces (a replica with the same key, a restart) costs no payer a refusal', async () => {
  const provider = devProvider(stand.anvil.rpcUrl);
  const verifier = await replica();
  const [first, second, third] = await payloads(3);
  transactionOf(await settleWith(verifier, first)); // the lane's counter is now set
  // Behind the lane's back, the same account sends twice (the other replica's settlements).
  const other = new Wallet(stand.relayerKey, provider);
  for (let i = 0; i < 2; i++) await (await other.sendTransaction({ to: other.address, value: 0n })).wait();
  const flow = await watchBalances(stand.usdc, [payTo, stand.payer.address]);
  transactionOf(await settleWith(verifier, second));
  // And a fresh instance (after a restart) starts from the chain's count.
  transactionOf(await settleWith(await replica(), third));
  expect(await flow.moved()).toEqual([2n * PRICE, -2n * PRICE]);
});
