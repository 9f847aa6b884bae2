// The relayer's lane under a failing RPC endpoint and across a restart: a send whose answer is
// lost, or that the node refuses, in the middle of a pipeline loses no settlement and pays none
// twice; a relayer started while its last process's sends are still pending numbers after them.
// Real anvil and Circle's USDC behind a fault-injecting JSON-RPC pass-through (support/rpc-proxy).
import { Wallet } from 'ethers';
import { decodeJwt } from 'jose';
import { toWire, paymentRequestFromJson, REASONS, type SettleResponse } from '@turnpike/protocol';
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
import { signAuthorization, v2Payload, x402Proof, type ExactPayload } from './support/x402-payloads.js';
import { startRpcProxy, type RpcFault } from './support/rpc-proxy.js';
import { startX402Stand, type X402Stand } from './support/x402-stand.js';

const PRICE = 1_000_000n;
let stand: X402Stand;
let core: ProofCore;
let payTo: string;

beforeAll(async () => {
  stand = await startX402Stand();
  core = await startProofCore(stand);
  payTo = core.pctx.payee.x402!.payTo;
  process.env.FAULTS_RELAYER_KEY = stand.relayerKey;
}, 60_000);
afterAll(async () => {
  delete process.env.FAULTS_RELAYER_KEY;
  await core?.close();
  await stand?.close();
});

/** An x402 verifier over its own relayer instance, whose RPC is `rpcUrl` (a process of its own). */
async function relayerAt(rpcUrl: string): Promise<ProofVerifier> {
  const relayer = createRelayer({
    key: new Secret(stand.relayerKey),
    rpcUrls: new Map([[stand.network.name, [rpcUrl]]]),
    networks: [stand.network],
    rpcTimeoutMs: 5_000,
  });
  const config = await proofsConfigSchema.parseAsync({
    x402: { mode: 'relayer', relayerKey: { fromEnv: 'FAULTS_RELAYER_KEY' }, receiptTimeoutMs: 20_000 },
  });
  return createProofHandlers({ config, relayer }).x402!;
}

async function authorizations(n: number): Promise<ExactPayload[]> {
  const out: ExactPayload[] = [];
  for (let i = 0; i < n; i++) out.push(await signAuthorization(stand, payTo, PRICE));
  return out;
}

const settleWith = (verifier: ProofVerifier, exact: ExactPayload) =>
  verifier(
    core.settleRequest(
      toWire(paymentRequestFromJson(DEFAULT_REQUEST, stand.registry)),
      x402Proof(2, v2Payload(stand, payTo, PRICE, exact)),
    ),
    core.pctx,
  );

/** Fails the `nth` eth_sendRawTransaction (1-based) the way `fault` says; passes everything else. */
function nthSend(nth: number, fault: RpcFault) {
  let sends = 0;
  return ({ method }: { method: string }): RpcFault =>
    method === 'eth_sendRawTransaction' && ++sends === nth ? fault : 'pass';
}

const relayerAddress = () => new Wallet(stand.relayerKey).address;

test('a send whose answer is lost in the middle of five in flight is neither lost nor paid twice', async () => {
  const faults = await startRpcProxy(stand.anvil.rpcUrl, { fault: nthSend(3, 'lose-answer') });
  try {
    const provider = devProvider(stand.anvil.rpcUrl);
    const verifier = await relayerAt(faults.url);
    const signed = await authorizations(5);
    const flow = await watchBalances(stand.usdc, [payTo, stand.payer.address]);
    const nonceBefore = await provider.getTransactionCount(relayerAddress(), 'latest');
    const answers = await Promise.all(signed.map((exact) => settleWith(verifier, exact)));
    expect(answers.map((a) => (a.ok ? 'ok' : a.reason))).toEqual(Array(5).fill('ok'));
    expect(new Set(answers.map((a) => (a.ok ? decodeJwt(a.token).jti : ''))).size).toBe(5);
    // Five transfers, one transaction each, on consecutive nonces: the lost answer was not re-sent
    // as a second transaction, and no nonce was skipped.
    expect(await flow.moved()).toEqual([5n * PRICE, -5n * PRICE]);
    expect(await provider.getTransactionCount(relayerAddress(), 'latest')).toBe(nonceBefore + 5);
    for (const exact of signed) expect(await creditsOf(core.db, exact, stand.usdc.address)).toHaveLength(1);
  } finally {
    await faults.close();
  }
});

test('a send the node refuses in the middle of five in flight refuses that payment only, moving nothing for it', async () => {
  const faults = await startRpcProxy(stand.anvil.rpcUrl, { fault: nthSend(2, { refuse: 'txpool is full' }) });
  try {
    const provider = devProvider(stand.anvil.rpcUrl);
    const verifier = await relayerAt(faults.url);
    const signed = await authorizations(5);
    const flow = await watchBalances(stand.usdc, [payTo, stand.payer.address]);
    const nonceBefore = await provider.getTransactionCount(relayerAddress(), 'latest');
    const answers = await Promise.all(signed.map((exact) => settleWith(verifier, exact)));
    const reasons = answers.map((a: SettleResponse) => (a.ok ? 'ok' : a.reason));
    expect(reasons.filter((r) => r === 'ok')).toHaveLength(4);
    expect(reasons.filter((r) => r !== 'ok')).toEqual([REASONS.X402_SETTLE_FAILED]);
    // The refused send used no nonce: the four others sit on the next four, none is stuck behind a gap.
    expect(await flow.moved()).toEqual([4n * PRICE, -4n * PRICE]);
    expect(await provider.getTransactionCount(relayerAddress(), 'latest')).toBe(nonceBefore + 4);
    for (const [i, exact] of signed.entries())
      expect(await creditsOf(core.db, exact, stand.usdc.address)).toHaveLength(answers[i]!.ok ? 1 : 0);
  } finally {
    await faults.close();
  }
});

test('a relayer restarted while its last process has sends pending numbers after them', async () => {
  const provider = devProvider(stand.anvil.rpcUrl);
  const [a, b, c] = await authorizations(3);
  const flow = await watchBalances(stand.usdc, [payTo, stand.payer.address]);
  const nonceBefore = await provider.getTransactionCount(relayerAddress(), 'latest');
  await provider.send('evm_setAutomine', [false]);
  let settling: Promise<SettleResponse[]> | undefined;
  try {
    const before = await relayerAt(stand.anvil.rpcUrl);
    const earlier = [a!, b!].map((exact) => settleWith(before, exact));
    const deadline = Date.now() + 20_000;
    while ((await provider.getTransactionCount(relayerAddress(), 'pending')) - nonceBefore < 2) {
      if (Date.now() > deadline) throw new Error('the first relayer did not send its two settlements');
      await new Promise((r) => setTimeout(r, 50));
    }
    // A new process with the same key (the first one's sends still pending, unmined).
    const after = await relayerAt(stand.anvil.rpcUrl);
    const later = settleWith(after, c!);
    while ((await provider.getTransactionCount(relayerAddress(), 'pending')) - nonceBefore < 3) {
      if (Date.now() > deadline) throw new Error('the restarted relayer did not send');
      await new Promise((r) => setTimeout(r, 50));
    }
    settling = Promise.all([...earlier, later]);
    await provider.send('evm_mine', []);
  } finally {
    await provider.send('evm_setAutomine', [true]);
  }
  const answers = await settling;
  expect(answers.map((x) => (x.ok ? 'ok' : x.reason))).toEqual(['ok', 'ok', 'ok']);
  expect(await flow.moved()).toEqual([3n * PRICE, -3n * PRICE]);
  expect(await provider.getTransactionCount(relayerAddress(), 'latest')).toBe(nonceBefore + 3);
});
