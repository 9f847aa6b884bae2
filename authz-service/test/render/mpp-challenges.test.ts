/**
 * The API 402's `WWW-Authenticate: Payment` challenges as the renderer builds them: read back by
 * mppx's parser, each id the HMAC of its own parameters under the MPP key, the push challenges
 * carrying this 402's sealed challenge and receive address, a recorded (unbound) 402 offering only
 * `authorization`, and an MPP refusal rendered as problem details.
 */
import { Challenge } from 'mppx';
import {
  checksumEvmAddress,
  createNetworkRegistry,
  deriveSealKeys,
  isMppPushChallengeId,
  mppChallengeId,
  mppPushChallengeId,
  openChallenge,
  paymentRequestFromJson,
  REASONS,
  type PayeeResponse,
} from '@turnpike/protocol';
import type { AddressSource } from '../../src/challenges/address-source.js';
import type { PaymentRequiredDecision, RenderedResponse } from '../../src/core/types.js';
import { acceptPaymentWeigher } from '../../src/render/accept-payment.js';
import { renderDenial, type RenderDeps } from '../../src/render/render-denial.js';
import { BASE_USDC_REQUEST } from '../support/upstream.js';

const registry = createNetworkRegistry();
const keys = deriveSealKeys('a-shared-internal-secret');
const PAYEE: PayeeResponse = {
  txNetworks: ['base', 'polygon'],
  evm: { walletId: 'evm:0123456789abcdef' },
  x402: { payTo: `0x${'42'.repeat(20)}`, networks: ['base'] },
  challengeTtlSeconds: 900,
};
let index = 0;
const addresses: AddressSource = {
  take: () => ({
    walletId: 'evm:0123456789abcdef',
    index: index++,
    address: checksumEvmAddress(`0x${(index + 1).toString(16).padStart(40, 'c')}`)!,
  }),
  next: async () => addresses.take()!,
  size: () => 100,
  fill: async () => undefined,
} as unknown as AddressSource;

function deps(
  createChallenge?: RenderDeps['portal']['createChallenge'],
  payee: PayeeResponse = PAYEE,
): RenderDeps {
  return {
    portal: {
      createChallenge:
        createChallenge ??
        (() => {
          throw new Error('a sealed challenge never calls the portal');
        }),
    },
    registry,
    sealKeys: keys,
    payee: { current: () => payee },
    addresses,
    publicPathPrefix: '/_402',
    payLinkTtlSeconds: 600,
    x402MaxTimeoutSeconds: 60,
  };
}

function decision(request: object = BASE_USDC_REQUEST, reason = 'token_missing'): PaymentRequiredDecision {
  return {
    kind: 'payment_required',
    reason: reason as PaymentRequiredDecision['reason'],
    requirement: {
      host: 'shop.example',
      scheme: 'https',
      path: '/premium/article',
      query: '',
      originalUri: '/premium/article',
      request: paymentRequestFromJson(request, registry),
      source: 'upstream',
    },
  };
}

const api = (headers: Record<string, string> = {}) =>
  ({
    method: 'GET',
    scheme: 'https',
    host: 'shop.example',
    target: '/premium/article',
    headers: { accept: 'application/json', ...headers },
  }) as const;

function decodeOpaque(c: { opaque?: string | undefined }): { r: string; c?: string } {
  return JSON.parse(Buffer.from(c.opaque ?? '', 'base64url').toString('utf8')) as { r: string; c?: string };
}

describe('MPP challenges on the API 402', () => {
  it('one per offer (authorization first), the authorization id the HMAC of its parameters, push ones the tag of the sealed challenge they carry', () => {
    const r = renderDenial(decision(), api(), deps()) as RenderedResponse;
    const challenges = Challenge.deserializeList(r.headers['www-authenticate']!);
    expect(
      challenges.map(
        (c) => (c.request as { methodDetails: { credentialTypes: string[] } }).methodDetails.credentialTypes,
      ),
    ).toEqual([['authorization'], ['hash'], ['hash']]);
    const raw = r.headers['www-authenticate']!;
    const ids = [...raw.matchAll(/id="([^"]+)"/g)].map((m) => m[1]);
    const requests = [...raw.matchAll(/request="([^"]+)"/g)].map((m) => m[1]);
    const opaques = [...raw.matchAll(/opaque="([^"]+)"/g)].map((m) => m[1]);
    const expires = [...raw.matchAll(/expires="([^"]+)"/g)].map((m) => m[1]);
    const body = JSON.parse(r.body) as { paymentDetails: { challengeId: string; serviceWallet: string } };
    const sealed = body.paymentDetails.challengeId;
    // authorization: the draft's HMAC of its parameters; push: the seal's tag and the push's index.
    expect(ids[0]).toBe(
      mppChallengeId(keys.mpp, {
        realm: 'shop.example',
        method: challenges[0]!.method,
        intent: 'charge',
        request: requests[0]!,
        expires: expires[0],
        opaque: opaques[0],
      }),
    );
    expect(ids.slice(1)).toEqual([`${sealed.slice(-43)}0`, `${sealed.slice(-43)}1`]);
    expect(ids.slice(1).every((id) => isMppPushChallengeId(id!, sealed))).toBe(true);
    expect(decodeOpaque(challenges[0]!)).toEqual({ r: '/premium/article' });
    expect(decodeOpaque(challenges[1]!)).toEqual({
      c: body.paymentDetails.challengeId,
      r: '/premium/article',
    });
    const claims = openChallenge(keys.challenge, decodeOpaque(challenges[2]!).c!);
    expect((challenges[2]!.request as { recipient: string }).recipient.toLowerCase()).toBe(claims.p);
    expect(Date.parse(challenges[0]!.expires!) / 1000).toBe(claims.exp);
  });

  it('a resource prepared once: each 402 binds its own realm, resource and expiry (the authorization challenge is reused only within the same second and target)', () => {
    let now = 1_800_000_000_250;
    const shared = { ...deps(), now: () => now };
    const request = paymentRequestFromJson(BASE_USDC_REQUEST, registry);
    const at = (host: string, path: string) => {
      const d = decision();
      const r = renderDenial(
        { ...d, requirement: { ...d.requirement, host, path, originalUri: path, request } },
        { ...api(), host, target: path },
        shared,
      ) as RenderedResponse;
      const raw = r.headers['www-authenticate']!;
      const challenges = Challenge.deserializeList(raw);
      const ids = [...raw.matchAll(/id="([^"]+)"/g)].map((m) => m[1]);
      const requests = [...raw.matchAll(/request="([^"]+)"/g)].map((m) => m[1]);
      const opaques = [...raw.matchAll(/opaque="([^"]+)"/g)].map((m) => m[1]);
      challenges.forEach((c, i) => {
        expect(c.realm).toBe(host);
        expect(decodeOpaque(c).r).toBe(path);
        expect(Date.parse(c.expires!)).toBe(Math.floor(now / 1000) * 1000 + PAYEE.challengeTtlSeconds * 1000);
        const sealed = decodeOpaque(c).c;
        expect(ids[i]).toBe(
          sealed === undefined
            ? mppChallengeId(keys.mpp, {
                realm: host,
                method: c.method,
                intent: 'charge',
                request: requests[i]!,
                expires: c.expires,
                opaque: opaques[i],
              })
            : mppPushChallengeId(sealed, i - 1),
        );
      });
      return { authorization: raw.slice(0, raw.indexOf(', Payment id=')), push: ids[1] };
    };
    const first = at('shop.example', '/premium/a');
    const again = at('shop.example', '/premium/a');
    expect(again.authorization).toBe(first.authorization);
    expect(again.push).not.toBe(first.push);
    const otherHost = at('other.example', '/premium/a');
    expect(otherHost.authorization).not.toBe(first.authorization);
    expect(at('shop.example', '/premium/a').authorization).toBe(first.authorization);
    const otherPath = at('shop.example', '/premium/b');
    expect(otherPath.authorization).not.toBe(first.authorization);
    now += 1_000; // the next second: a new expiry
    const later = at('shop.example', '/premium/a');
    expect(later.authorization).not.toBe(first.authorization);
    expect(at('shop.example', '/premium/a').authorization).toBe(later.authorization);
  });

  it('a recorded (unbound) 402 offers only authorization challenges', async () => {
    const unbound = { ...BASE_USDC_REQUEST, proofs: { tx: { unbound: 'allow' } } };
    const r = await renderDenial(
      decision(unbound),
      api(),
      deps(async () => ({
        id: 'A'.repeat(22),
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
        payUrl: 'https://shop.example/_402/pay?invoice=x',
        offers: [],
      })),
    );
    const challenges = Challenge.deserializeList(r.headers['www-authenticate']!);
    expect(challenges).toHaveLength(1);
    expect(challenges[0]!.request).toMatchObject({ methodDetails: { credentialTypes: ['authorization'] } });
  });

  it('a request that carried a Payment credential gets its refusal as problem details; others do not', () => {
    const refused = renderDenial(
      decision(BASE_USDC_REQUEST, REASONS.MPP_CREDENTIAL_USED),
      api({ authorization: 'Payment eyJ4Ijp9' }),
      deps(),
    ) as RenderedResponse;
    expect(refused.status).toBe(402);
    expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(refused.body)).toMatchObject({
      type: 'https://paymentauth.org/problems/invalid-challenge',
      title: 'Invalid Payment Challenge',
      status: 402,
      reason: 'mpp_credential_used',
      // The rest of the usual JSON 402 follows: x402's `error` is a sentence, the code is `reason`.
      error: expect.stringMatching(/^Payment required/),
    });
    expect(refused.headers['www-authenticate']).toMatch(/^Payment id="/);
    const bearer = renderDenial(
      decision(),
      api({ authorization: 'Bearer x.y.z' }),
      deps(),
    ) as RenderedResponse;
    expect(bearer.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(bearer.body)).not.toHaveProperty('type');
  });
});

describe('Accept-Payment', () => {
  it('weighs method/intent by the most specific range; a malformed header is ignored', () => {
    const weigh = acceptPaymentWeigher('evm/charge, solana/*;q=0.5, */charge;q=0.2, tempo/charge;q=0')!;
    expect(weigh('evm', 'charge')).toBe(1);
    expect(weigh('solana', 'charge')).toBe(0.5);
    expect(weigh('stripe', 'charge')).toBe(0.2);
    expect(weigh('tempo', 'charge')).toBe(0);
    expect(weigh('evm', 'session')).toBe(0);
    for (const bad of ['evm', 'EVM/charge', 'evm/charge;q=2', 'evm/charge;level=1', ''])
      expect(acceptPaymentWeigher(bad)).toBeUndefined();
  });

  it('filters and orders the 402 challenges; a header that matches none leaves them all', () => {
    const payee: PayeeResponse = {
      ...PAYEE,
      txNetworks: ['base', 'solana'],
      solana: { wallet: '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU' },
    };
    const both = {
      claims: { plan: 'gold' },
      exp: 3_600_000,
      payment: {
        requests: [
          { network: 'base', amount: '0.01', asset: 'USDC' },
          { network: 'solana', amount: '0.01', asset: 'USDC' },
        ],
      },
    };
    const methods = (accept?: string) => {
      const r = renderDenial(
        decision(both),
        api(accept === undefined ? {} : { 'accept-payment': accept }),
        deps(undefined, payee),
      ) as RenderedResponse;
      return Challenge.deserializeList(r.headers['www-authenticate']!).map((c) => c.method);
    };
    expect(methods()).toEqual(['evm', 'evm', 'solana']);
    expect(methods('solana/charge, evm/charge;q=0.5')).toEqual(['solana', 'evm', 'evm']);
    expect(methods('evm/charge')).toEqual(['evm', 'evm']);
    expect(methods('tempo/charge')).toEqual(['evm', 'evm', 'solana']);
  });
});
