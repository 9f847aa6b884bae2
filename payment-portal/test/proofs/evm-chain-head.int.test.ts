// The chain head a transaction-hash proof reads is reused for up to the network's block time:
// concurrent proofs share one eth_blockNumber, and a reused head never refuses a payment that has
// its confirmations (it is read again first). Real anvil and USDC, behind a counting pass-through.
import { createProofHandlers, proofsConfigSchema } from '../../src/proofs/index.js';
import {
  startEvmStand,
  startProofCore,
  tokenTransfer,
  type EvmStand,
  type ProofCore,
  type SealedChallenge,
} from './support/evm-proof-fixture.js';
import { startRpcProxy, type RpcProxy } from './support/rpc-proxy.js';

let stand: EvmStand;
let core: ProofCore;
let tap: RpcProxy;
const asked: string[] = [];

beforeAll(async () => {
  stand = await startEvmStand();
  core = await startProofCore(stand);
  tap = await startRpcProxy(stand.anvil.rpcUrl, {
    answered: (body) => asked.push((JSON.parse(body) as { method: string }).method),
  });
}, 60_000);

afterAll(async () => {
  await tap?.close();
  await core?.close();
  await stand?.close();
});

/** The proof context reading the chain through the tap (a fresh map: its own RPC client and head). */
const throughTap = () => ({ ...core.pctx, rpcUrls: new Map([['anvil', [tap.url]]]) });
const against = (c: SealedChallenge, tx: string) =>
  core.settleRequest(c.wire, { type: 'tx', network: 'anvil', tx, challenge: c.id }, c.claims.r);
const headReads = () => asked.filter((m) => m === 'eth_blockNumber').length;

test('ten proofs at once read the chain head once, and each is credited', async () => {
  const verify = createProofHandlers({
    config: await proofsConfigSchema.parseAsync({ tx: { networks: { anvil: { blockTimeSeconds: 30 } } } }),
  }).tx!;
  const paid: Array<[SealedChallenge, string]> = [];
  for (let i = 0; i < 10; i++) {
    const c = await core.challenge();
    paid.push([c, await tokenTransfer(stand, stand.usdc, c.payTo, 1_000_000n)]);
  }
  const pctx = throughTap();
  asked.length = 0;
  const answers = await Promise.all(paid.map(([c, tx]) => verify(against(c, tx), pctx)));
  expect(answers.map((a) => (a.ok ? 'ok' : a.reason))).toEqual(Array(10).fill('ok'));
  expect(headReads()).toBe(1);
  expect(asked.filter((m) => m === 'eth_getTransactionReceipt')).toHaveLength(10);
});

test('a head reused from before the payment was mined is read again before the payer is sent away', async () => {
  const verify = createProofHandlers({
    config: await proofsConfigSchema.parseAsync({
      tx: { networks: { anvil: { confirmations: 1, blockTimeSeconds: 30 } } },
    }),
  }).tx!;
  const pctx = throughTap();
  const first = await core.challenge();
  const early = await tokenTransfer(stand, stand.usdc, first.payTo, 1_000_000n);
  await stand.anvil.rpc('anvil_mine', ['0x1']);
  expect((await verify(against(first, early), pctx)).ok).toBe(true);
  // The head that proof read is now reused; the next payment is mined after it and confirmed once.
  const second = await core.challenge();
  const later = await tokenTransfer(stand, stand.usdc, second.payTo, 1_000_000n);
  await stand.anvil.rpc('anvil_mine', ['0x1']);
  asked.length = 0;
  expect((await verify(against(second, later), pctx)).ok).toBe(true);
  // The reused head (too low for one confirmation) was not the answer: the chain was asked again.
  expect(headReads()).toBe(1);
});
