// Sign-ins are counted apart from payment proofs: a returning x402 client signs in on every call,
// so its limit is its own (`proofs.siwx.attemptsPerMinutePerClient`), and sign-ins never use up the
// payment-proof allowance (`proofs.attemptsPerMinutePerClient`), nor the other way round. The real
// portal over its internal HTTP API, with both limits set to 2.
import { PORTAL_API_PATHS, REASONS } from '@turnpike/protocol';
import { startChain, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, type PortalFixture } from '../support/portal-fixture.js';

let chain: ChainFixture;
let p: PortalFixture;
beforeAll(async () => {
  chain = await startChain();
  p = await startPortal(chain, {
    extra: { proofs: { attemptsPerMinutePerClient: 2, siwx: { attemptsPerMinutePerClient: 2 } } },
  });
}, 120_000);
afterAll(async () => {
  await p?.close();
  await chain?.close();
});

function settle(proof: unknown, ip: string) {
  return p.internal(PORTAL_API_PATHS.settle, {
    host: 'shop.test',
    scheme: 'https',
    resource: '/premium',
    originalUri: '/premium',
    request: p.wire(),
    proof,
    client: { ip },
  });
}

const SIGN_IN = { type: 'siwx', header: Buffer.from('{"not":"a sign-in"}').toString('base64') };
const TX = { type: 'tx', network: 'anvil', tx: `0x${'ab'.repeat(32)}`, challenge: 'abcdefghijklmnopqrstuv' };

describe('sign-in-with-x has its own per-client limit', () => {
  it('two sign-ins pass the limit, the third is 429; payment proofs from the same client still get through', async () => {
    const ip = '192.0.2.10';
    for (let i = 0; i < 2; i++) {
      const r = await settle(SIGN_IN, ip);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { reason: string }).reason).toBe(REASONS.SIWX_INVALID);
    }
    const third = await settle(SIGN_IN, ip);
    expect(third.status).toBe(429);
    expect(((await third.json()) as { reason: string }).reason).toBe(REASONS.RATE_LIMITED);

    const proof = await settle(TX, ip);
    expect(((await proof.json()) as { reason: string }).reason).not.toBe(REASONS.RATE_LIMITED);
  });

  it('payment proofs that ran out of their allowance leave sign-ins alone', async () => {
    const ip = '192.0.2.20';
    for (let i = 0; i < 2; i++) await settle(TX, ip);
    expect((await settle(TX, ip)).status).toBe(429);
    const signIn = await settle(SIGN_IN, ip);
    expect(((await signIn.json()) as { reason: string }).reason).toBe(REASONS.SIWX_INVALID);
  });
});
