import { createNetworkRegistry, paymentRequestFromJson, REASONS } from '@turnpike/protocol';
import { createLogger } from '@turnpike/protocol/service';
import { createDecider } from '../../src/core/decide.js';
import type { Identity, NeutralRequest } from '../../src/core/types.js';
import type { RequirementResolver } from '../../src/requirements/resolve.js';
import type { TokenChecker } from '../../src/tokens/check.js';
import { BASE_USDC_REQUEST } from '../support/upstream.js';

/** cacheUntilMs as the core sets it, to the millisecond (a fixed clock). */
const log = createLogger({ name: 'test', level: 'silent' });
const NOW = 1_800_000_000_000;
const registry = createNetworkRegistry();
const req: NeutralRequest = {
  method: 'GET',
  scheme: 'https',
  host: 'shop.example',
  target: '/premium/a',
  headers: {},
};
const pass = paymentRequestFromJson(BASE_USDC_REQUEST, registry);
const priced = (request = pass): RequirementResolver => ({
  resolve: async () => ({ kind: 'priced', request, source: 'upstream' }),
});
const holder = (expiresAtSeconds: number): TokenChecker => {
  const identity: Identity = { payer: '0xp', tokenId: 'j', claims: {}, scope: '/premium', expiresAtSeconds };
  return { check: async () => ({ ok: true, identity }) };
};
const decider = (requirements: RequirementResolver, tokens: TokenChecker, maxAge?: number) =>
  createDecider({
    requirements,
    tokens,
    timeoutMs: 100,
    now: () => NOW,
    ...(maxAge === undefined ? {} : { decisionCacheMaxAgeSeconds: maxAge }),
  });

describe('cacheUntilMs', () => {
  it('a pass token: now + maxAge, or exp − 1 s when that comes first', async () => {
    const farExp = NOW / 1000 + 3600;
    expect(await decider(priced(), holder(farExp), 5)(req, log)).toMatchObject({ cacheUntilMs: NOW + 5000 });
    expect(await decider(priced(), holder(farExp), 300)(req, log)).toMatchObject({
      cacheUntilMs: NOW + 300_000,
    });
    expect(await decider(priced(), holder(NOW / 1000 + 3), 5)(req, log)).toMatchObject({
      cacheUntilMs: NOW + 2000,
    });
  });

  it('a token within 1 s of its expiry, maxAge 0, or no maxAge configured: an allow without cacheUntilMs', async () => {
    for (const d of [
      decider(priced(), holder(NOW / 1000 + 1), 5),
      decider(priced(), holder(NOW / 1000 + 3600), 0),
      decider(priced(), holder(NOW / 1000 + 3600)),
    ]) {
      const allow = await d(req, log);
      expect(allow.kind).toBe('allow');
      expect(allow).not.toHaveProperty('cacheUntilMs');
    }
  });

  it('a free resource: now + maxAge; none with maxAge 0', async () => {
    const free: RequirementResolver = { resolve: async () => ({ kind: 'free' }) };
    const none: TokenChecker = { check: async () => ({ ok: false, reason: REASONS.TOKEN_MISSING }) };
    expect(await decider(free, none, 7)(req, log)).toMatchObject({ kind: 'allow', cacheUntilMs: NOW + 7000 });
    expect(await decider(free, none, 0)(req, log)).not.toHaveProperty('cacheUntilMs');
  });

  it('a resource with a free tier or the unbound-proof opt-in, or a proof header: no cacheUntilMs', async () => {
    const tier = paymentRequestFromJson(
      { ...BASE_USDC_REQUEST, free: { requests: 3, periodSeconds: 60 } },
      registry,
    );
    const unbound = paymentRequestFromJson(
      { ...BASE_USDC_REQUEST, proofs: { tx: { unbound: 'allow' } } },
      registry,
    );
    const exp = NOW / 1000 + 3600;
    for (const [request, headers] of [
      [tier, {}],
      [unbound, {}],
      [pass, { 'x-payment-tx': '0x00' }],
      [pass, { 'sign-in-with-x': 'e30' }],
      [pass, { authorization: 'Payment e30' }],
    ] as const) {
      const allow = await decider(priced(request), holder(exp), 5)({ ...req, headers }, log);
      expect(allow.kind).toBe('allow');
      expect(allow).not.toHaveProperty('cacheUntilMs');
    }
  });
});
