import { createNetworkRegistry, deriveSealKeys, REASONS, type SettleRequest } from '@turnpike/protocol';
import { createLogger } from '@turnpike/protocol/service';
import type { PortalContext } from '../../src/context.js';
import { createProofVerifiers, proofsConfigSchema } from '../../src/proofs/index.js';

// Which verifier a tx proof reaches, decided before any chain is read: Solana networks go to the
// Solana verifier handed in; refusals that need no chain come from the dispatcher itself.
const registry = createNetworkRegistry();
const ctx = {
  config: { issuer: 'https://portal.test', watchers: {} },
  registry,
  sealKeys: deriveSealKeys('dispatch-tests-internal-secret'),
  payee: { txNetworks: [], challengeTtlSeconds: 60 },
  // Every host is the config-file site's (docs/sites.md), with the payee above.
  sites: {
    resolve: () => ({
      id: 'default',
      deriver: undefined,
      payee: { txNetworks: [], challengeTtlSeconds: 60 },
    }),
  },
  rpcUrls: new Map(),
  logger: createLogger({ name: 'dispatch-test', level: 'silent' }),
  metrics: { refusals: { inc: () => undefined }, tokensIssued: { inc: () => undefined } },
} as unknown as PortalContext;

const usdcOn = (network: string) => {
  const asset = registry.asset(network, 'USDC');
  return { network, asset, amount: '1', atomic: '1000000' };
};

function request(network: string, offers: string[]): SettleRequest {
  return {
    host: 'shop.test',
    scheme: 'https',
    resource: '/premium',
    originalUri: '/premium',
    request: { claims: {}, tokenLifetimeMs: 60_000, offers: offers.map(usdcOn) as never, customization: {} },
    proof: { type: 'tx', network, tx: '5'.repeat(64) },
  };
}

describe('tx proof dispatch', () => {
  it('hands Solana proofs to the Solana verifier', async () => {
    const seen: string[] = [];
    const verifiers = createProofVerifiers({
      config: await proofsConfigSchema.parseAsync({}),
      solanaTx: async (r) => {
        seen.push((r.proof as { network: string }).network);
        return { ok: false, reason: 'payment_not_found', message: 'from the Solana verifier' };
      },
    });
    const answer = await verifiers.tx!(request('solana', ['solana']), ctx);
    expect(answer).toMatchObject({ ok: false, message: 'from the Solana verifier' });
    expect(seen).toEqual(['solana']);
  });

  it('refuses Solana proofs when no Solana verifier is wired, and chains the resource is not offered on', async () => {
    const verifiers = createProofVerifiers({ config: await proofsConfigSchema.parseAsync({}) });
    expect(await verifiers.tx!(request('solana', ['solana']), ctx)).toMatchObject({
      ok: false,
      reason: REASONS.PAYMENT_CHAIN_UNKNOWN,
    });
    expect(await verifiers.tx!(request('base', ['solana']), ctx)).toMatchObject({
      ok: false,
      reason: REASONS.PAYMENT_WRONG_NETWORK,
    });
    expect(await verifiers.tx!(request('base', ['base']), ctx)).toMatchObject({
      ok: false,
      reason: REASONS.PAYMENT_TX_MALFORMED,
    });
  });

  it('has no x402 verifier unless x402 is configured', async () => {
    expect(createProofVerifiers({ config: await proofsConfigSchema.parseAsync({}) }).x402).toBeUndefined();
  });
});
