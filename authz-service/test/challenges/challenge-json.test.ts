/**
 * The sealed challenge's JSON is built from fragments the plan keeps (mint-challenge.ts): it must
 * be exactly JSON.stringify of the claims, in ChallengeClaims' key order, for every shape (EVM
 * address, Solana reference, a site, a path JSON must escape), and follow each 402's own target
 * when the plan's memo holds another.
 */
import {
  challengeClaimsSchema,
  createNetworkRegistry,
  deriveSealKeys,
  openChallenge,
  paymentRequestFromJson,
  type PayeeResponse,
} from '@turnpike/protocol';
import { planChallenge, sealNewChallenge } from '../../src/challenges/mint-challenge.js';
import type { ResolvedRequirement } from '../../src/core/types.js';

const registry = createNetworkRegistry();
const key = deriveSealKeys('a-shared-internal-secret').challenge;
const PAYEE: PayeeResponse = {
  txNetworks: ['base', 'polygon', 'solana'],
  evm: { walletId: 'evm:0123456789abcdef' },
  solana: { wallet: '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU' },
  challengeTtlSeconds: 900,
};
const REQUEST = paymentRequestFromJson(
  {
    claims: { plan: 'gold' },
    exp: 3_600_000,
    payment: {
      requests: [
        { network: 'base', amount: '0.01', asset: 'USDC' },
        { network: 'polygon', amount: '1' },
        { network: 'solana', amount: '0.5', asset: 'USDC' },
      ],
    },
  },
  registry,
);
const EVM = { walletId: 'evm:0123456789abcdef', index: 2 ** 40 + 7, address: `0x${'Ab'.repeat(20)}` };

function requirement(over: Partial<ResolvedRequirement> = {}): ResolvedRequirement {
  return {
    host: 'shop.example',
    scheme: 'https',
    path: '/premium/article',
    query: '',
    originalUri: '/premium/article',
    request: REQUEST,
    source: 'upstream',
    ...over,
  };
}

/** The JSON inside a sealed value, as sealed. */
function sealedJson(sealed: string): string {
  return Buffer.from(sealed.slice(0, sealed.lastIndexOf('.')), 'base64url').toString('utf8');
}

describe('the sealed challenge JSON', () => {
  it('is JSON.stringify of its claims, in schema order, for every shape and each target in turn', () => {
    const plan = planChallenge(REQUEST, PAYEE, registry)!;
    expect(plan.evm && plan.solana).toBe(true);
    // Each variation right after the base target, so that only that one thing differs from the last.
    const variations: ResolvedRequirement[] = [
      requirement({ host: 'other.example' }),
      requirement({ scheme: 'http' }),
      requirement({ path: '/premium/"quoted"\\é', originalUri: '/premium/"quoted"\\é?x=ü' }),
      requirement({ originalUri: '/premium/article?x=1' }),
      requirement({ site: 'acme' }),
      requirement({ site: 'default' }),
      requirement({ request: { ...REQUEST, claims: { ...REQUEST.claims, resource: '/premium' } } }),
    ];
    const targets = [requirement(), ...variations.flatMap((v) => [v, requirement()])];
    const now = 1_800_000_000_999;
    for (const r of targets) {
      const sealed = sealNewChallenge(r, plan, { key, payee: PAYEE, now: () => now }, EVM);
      const claims = openChallenge(key, sealed.id);
      const expected = {
        v: 1,
        id: claims.id,
        iat: 1_800_000_000,
        exp: 1_800_000_900,
        h: r.host,
        s: r.scheme,
        r: r.request.claims.resource ?? r.path,
        u: r.originalUri,
        o: plan.claims,
        w: EVM.walletId,
        i: EVM.index,
        p: EVM.address.toLowerCase(),
        k: sealed.reference,
        ...(r.site === undefined || r.site === 'default' ? {} : { st: r.site }),
      };
      expect(sealedJson(sealed.id)).toBe(JSON.stringify(expected));
      expect(challengeClaimsSchema.parse(claims)).toEqual(expected);
    }
  });

  it('leaves out the address and the reference a plan does not need', () => {
    const usdcOnly = paymentRequestFromJson(
      { exp: 60_000, payment: { requests: [{ network: 'base', amount: '0.01', asset: 'USDC' }] } },
      registry,
    );
    const plan = planChallenge(usdcOnly, PAYEE, registry)!;
    const r = requirement({ request: usdcOnly });
    const evmOnly = JSON.parse(
      sealedJson(sealNewChallenge(r, plan, { key, payee: PAYEE }, EVM).id),
    ) as object;
    expect(Object.keys(evmOnly)).toEqual(['v', 'id', 'iat', 'exp', 'h', 's', 'r', 'u', 'o', 'w', 'i', 'p']);
  });
});
