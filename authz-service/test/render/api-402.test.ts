import {
  checksumEvmAddress,
  createNetworkRegistry,
  decodeX402Header,
  deriveSealKeys,
  isOwnSiwxNonce,
  openChallenge,
  openPayLink,
  paymentRequestFromJson,
  siwxNonceKey,
  x402PaymentRequiredV2Schema,
  type PayeeResponse,
} from '@turnpike/protocol';
import type { AddressSource, ChallengeAddress } from '../../src/challenges/address-source.js';
import { createPayLinkMinter } from '../../src/challenges/mint-pay-link.js';
import type { PaymentRequiredDecision, RenderedResponse, ResolvedRequirement } from '../../src/core/types.js';
import { compileJsonTemplate, jsonStringContent } from '../../src/render/json-template.js';
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

/** Addresses as a lease hands them out: consecutive indexes, EIP-55. */
function addressSource(ready: number): AddressSource & { waited: number } {
  let next = 0;
  let left = ready;
  const address = (): ChallengeAddress => {
    const index = next++;
    return {
      walletId: 'evm:0123456789abcdef',
      index,
      address: checksumEvmAddress(`0x${(index + 1).toString(16).padStart(40, 'c')}`)!,
    };
  };
  const source = {
    waited: 0,
    take: () => (left-- > 0 ? address() : undefined),
    async next() {
      source.waited++;
      return address();
    },
    size: () => Math.max(0, left),
    fill: async () => undefined,
  };
  return source;
}

function setup(request: object = BASE_USDC_REQUEST, ready = 100) {
  const addresses = addressSource(ready);
  const deps: RenderDeps = {
    portal: {
      createChallenge: () => {
        throw new Error('a sealed challenge never calls the portal');
      },
    },
    registry,
    sealKeys: keys,
    payee: { current: () => PAYEE },
    addresses,
    publicPathPrefix: '/_402',
    payLinkTtlSeconds: 600,
    x402MaxTimeoutSeconds: 60,
  };
  const decision: PaymentRequiredDecision = {
    kind: 'payment_required',
    reason: 'token_missing',
    requirement: {
      host: 'shop.example',
      scheme: 'https',
      path: '/premium/article',
      query: 'x=1',
      originalUri: '/premium/article?x=1',
      request: paymentRequestFromJson(request, registry),
      source: 'upstream',
    },
  };
  return { deps, decision, addresses };
}

const api = {
  method: 'GET',
  scheme: 'https',
  host: 'shop.example',
  target: '/premium/article?x=1',
  headers: { accept: 'application/json' },
} as const;

interface Body {
  reason: string;
  message: string;
  paymentDetails: {
    challengeId: string;
    expiresAt: string;
    payTo: Record<string, string>;
    serviceWallet: string;
    description: string;
    payUrl: string;
    offers: Array<{ network: string; payTo: string; atomic: string }>;
  };
  accepts: Array<{ payTo: string; resource: string; description: string; extra: { challenge: string } }>;
}

describe('the API 402, from templates', () => {
  it('answers synchronously while the buffer holds an address, with a sealed challenge for it and x402 terms sharing one secret', () => {
    const { deps, decision, addresses } = setup();
    const rendered = renderDenial(decision, api, deps);
    expect(rendered).not.toBeInstanceOf(Promise);
    const r = rendered as RenderedResponse;
    expect(r.status).toBe(402);
    const body = JSON.parse(r.body) as Body;
    const claims = openChallenge(keys.challenge, body.paymentDetails.challengeId);
    expect(claims).toMatchObject({
      h: 'shop.example',
      s: 'https',
      r: '/premium/article',
      u: '/premium/article?x=1',
      w: 'evm:0123456789abcdef',
      i: 0,
    });
    // The seal keeps the lower-case address; the client sees the EIP-55 form the lease gave.
    expect(body.paymentDetails.payTo).toEqual({
      base: checksumEvmAddress(claims.p!),
      polygon: checksumEvmAddress(claims.p!),
    });
    expect(body.paymentDetails.serviceWallet).toBe(body.paymentDetails.payTo.base);
    expect(body.paymentDetails.offers.map((o) => o.atomic)).toEqual(['10000', '1000000000000000000']);
    expect(new Date(body.paymentDetails.expiresAt).getTime() / 1000).toBe(claims.exp);
    expect(claims.exp - claims.iat).toBe(900);
    expect(body.reason).toBe('token_missing');
    expect(body.message).toBe('Payment required: Gold article');
    // x402: v1 in the body, v2 in PAYMENT-REQUIRED, the same secret in both, to the x402 address.
    const v2 = decodeX402Header(r.headers['payment-required']!, x402PaymentRequiredV2Schema);
    expect(body.accepts).toHaveLength(1);
    expect(v2.accepts).toHaveLength(1);
    expect(body.accepts[0]!.extra.challenge).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(v2.accepts[0]!.extra).toMatchObject({ challenge: body.accepts[0]!.extra.challenge });
    expect(v2.accepts[0]!.payTo).toBe(checksumEvmAddress(PAYEE.x402!.payTo));
    expect(body.accepts[0]!.resource).toBe('https://shop.example/premium/article?x=1');
    expect(v2.resource.url).toBe('https://shop.example/premium/article?x=1');
    expect(openPayLink(keys.payLink, body.paymentDetails.payUrl.split('ref=')[1]!, Date.now()).scheme).toBe(
      'https',
    );
    expect(addresses.waited).toBe(0);
  });

  it('every 402 has its own challenge, address and secret', () => {
    const { deps, decision } = setup();
    const bodies = [0, 1, 2].map((): Body =>
      JSON.parse((renderDenial(decision, api, deps) as RenderedResponse).body),
    );
    expect(new Set(bodies.map((b) => b.paymentDetails.challengeId)).size).toBe(3);
    expect(new Set(bodies.map((b) => b.paymentDetails.payTo.base)).size).toBe(3);
    expect(new Set(bodies.map((b) => b.accepts[0]!.extra.challenge)).size).toBe(3);
    expect(bodies.map((b) => openChallenge(keys.challenge, b.paymentDetails.challengeId).i)).toEqual([
      0, 1, 2,
    ]);
  });

  it('waits for a lease when the buffer is empty, then answers the same way', async () => {
    const { deps, decision, addresses } = setup(BASE_USDC_REQUEST, 0);
    const rendered = renderDenial(decision, api, deps);
    expect(rendered).toBeInstanceOf(Promise);
    const body = JSON.parse((await rendered).body) as Body;
    expect(openChallenge(keys.challenge, body.paymentDetails.challengeId).i).toBe(0);
    expect(addresses.waited).toBe(1);
  });

  it('puts any description and URI into the JSON and the header intact', () => {
    const description = 'A "quoted" \\ back-slashed, ünïcode ✓ line\u2028with\ttabs';
    const { deps, decision } = setup({ ...BASE_USDC_REQUEST, description });
    const uri = '/premium/article?q=%22x%22&u=caf%C3%A9';
    const req = { ...decision, requirement: { ...decision.requirement, originalUri: uri } };
    const r = renderDenial(req, api, deps) as RenderedResponse;
    const body = JSON.parse(r.body) as Body;
    expect(body.paymentDetails.description).toBe(description);
    expect(body.message).toBe(`Payment required: ${description}`);
    expect(body.accepts[0]!.description).toBe(description);
    expect(body.accepts[0]!.resource).toBe(`https://shop.example${uri}`);
    const v2 = decodeX402Header(r.headers['payment-required']!, x402PaymentRequiredV2Schema);
    expect(v2.resource.description).toBe(description);
  });

  it('one resource, 402 after 402: each has the texts of its own target, Accept and reason, and its own expiry', () => {
    const { deps, decision } = setup({ ...BASE_USDC_REQUEST, description: undefined });
    let now = 1_800_000_000_000;
    deps.now = () => now;
    const at = (host: string, scheme: 'http' | 'https', uri: string, accept: string, reason: string) => {
      const d = {
        ...decision,
        reason: reason as PaymentRequiredDecision['reason'],
        requirement: { ...decision.requirement, host, scheme, originalUri: uri },
      };
      const r = renderDenial(d, { ...api, host, scheme, headers: { accept } }, deps) as RenderedResponse;
      const body = JSON.parse(r.body) as Body & { error: string };
      const v2 = decodeX402Header(r.headers['payment-required']!, x402PaymentRequiredV2Schema);
      expect(body.accepts[0]!.resource).toBe(`${scheme}://${host}${uri}`);
      expect(v2.resource.url).toBe(`${scheme}://${host}${uri}`);
      expect(body.paymentDetails.description).toBe(`Access to ${uri}`);
      expect(v2.resource.description).toBe(`Access to ${uri}`);
      expect(new Date(body.paymentDetails.expiresAt).getTime()).toBe(Math.floor(now / 1000) * 1000 + 900_000);
      expect(r.headers['www-authenticate']).toContain(
        `expires="${new Date(Math.floor(now / 1000) * 1000 + 900_000).toISOString().replace('.000Z', 'Z')}"`,
      );
      return { error: body.error, mimeType: v2.resource.mimeType };
    };
    const base = () => at('shop.example', 'https', '/premium/a', 'application/json', 'token_missing');
    const first = base();
    expect(first).toEqual({
      error: 'Payment required to access this resource',
      mimeType: 'application/json',
    });
    expect(base()).toEqual(first);
    // Each variation right after the base 402, so that only that one thing differs from the last.
    at('shop.example', 'https', '/premium/b?x="1"', 'application/json', 'token_missing');
    base();
    at('other.example', 'https', '/premium/a', 'application/json', 'token_missing');
    base();
    at('shop.example', 'http', '/premium/a', 'application/json', 'token_missing');
    base();
    expect(
      at('shop.example', 'https', '/premium/a', 'text/csv, application/json;q=0.5', 'token_missing').mimeType,
    ).toBe('text/csv');
    base();
    expect(at('shop.example', 'https', '/premium/a', 'application/json', 'token_expired').error).toBe(
      'The access token has expired: payment required again',
    );
    base();
    now += 1_000;
    at('shop.example', 'https', '/premium/a', 'application/json', 'token_missing');
  });

  it('sign-in-with-x: whole-second times, a fresh nonce per 402, each one the portal verifies for its fields', () => {
    const { deps, decision } = setup();
    let now = 1_800_000_000_250;
    deps.now = () => now;
    type Info = { domain: string; uri: string; nonce: string; issuedAt: string; expirationTime: string };
    const siwxOf = (uri = decision.requirement.originalUri): Info => {
      const d = { ...decision, requirement: { ...decision.requirement, originalUri: uri } };
      const r = renderDenial(d, api, deps) as RenderedResponse;
      const v2 = decodeX402Header(r.headers['payment-required']!, x402PaymentRequiredV2Schema);
      return (v2.extensions?.['sign-in-with-x'] as { info: Info }).info;
    };
    const nonceKey = siwxNonceKey(keys.challenge);
    const verifies = (i: Info) => isOwnSiwxNonce(nonceKey, i.nonce, i);
    const a = siwxOf();
    now += 500;
    const b = siwxOf();
    expect(a.issuedAt).toBe('2027-01-15T08:00:00.000Z');
    expect(a.expirationTime).toBe('2027-01-15T08:05:00.000Z');
    expect(b.issuedAt).toBe(a.issuedAt);
    expect(a.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(b.nonce).not.toBe(a.nonce);
    expect(verifies(a) && verifies(b)).toBe(true);
    // The MAC half is the fields': a nonce does not verify for another second, URI or domain.
    expect(isOwnSiwxNonce(nonceKey, a.nonce, { ...a, issuedAt: '2027-01-15T08:00:01.000Z' })).toBe(false);
    const other = siwxOf('/premium/other');
    expect(verifies(other)).toBe(true);
    expect(isOwnSiwxNonce(nonceKey, other.nonce, a)).toBe(false);
    now += 1_000;
    const c = siwxOf();
    expect(c.issuedAt).toBe('2027-01-15T08:00:01.000Z');
    expect(verifies(c)).toBe(true);
    expect(c.nonce.slice(16)).not.toBe(a.nonce.slice(16));
    expect(isOwnSiwxNonce(nonceKey, c.nonce, a)).toBe(false);
  });

  it('changes with the payee: a new x402 address is used at once', () => {
    const { deps, decision } = setup();
    let payee = PAYEE;
    deps.payee = { current: () => payee };
    const first = JSON.parse((renderDenial(decision, api, deps) as RenderedResponse).body) as Body;
    payee = { ...PAYEE, x402: { payTo: `0x${'43'.repeat(20)}`, networks: ['base'] } };
    const second = JSON.parse((renderDenial(decision, api, deps) as RenderedResponse).body) as Body;
    expect(first.accepts[0]!.payTo).toBe(checksumEvmAddress(`0x${'42'.repeat(20)}`));
    expect(second.accepts[0]!.payTo).toBe(checksumEvmAddress(`0x${'43'.repeat(20)}`));
  });
});

describe('JSON templates', () => {
  it('fill gives what JSON.stringify gives for the same values', () => {
    const build = (v: Record<'a' | 'b', string>) => ({
      x: v.a,
      nested: [{ y: `pre ${v.b} post`, n: 1 }],
      z: v.a,
    });
    const template = compileJsonTemplate(['a', 'b'], build);
    for (const [a, b] of [
      ['plain', 'text'],
      ['quote " back \\ tab \t', 'ünïcode ✓ \u2028'],
      ['', ''],
    ] as const)
      expect(template.fill({ a: jsonStringContent(a), b: jsonStringContent(b) })).toBe(
        JSON.stringify(build({ a, b })),
      );
  });
});

describe('JSON templates in base64', () => {
  type Hole = 'a' | 'b' | 'c' | 'd';
  const build = (v: Record<Hole, string>) => ({
    lead: v.a,
    // b and c sit next to each other (their 3-byte windows overlap); d is last, near the padding.
    mid: [{ y: `${v.b}${v.c}`, n: 1, long: 'x'.repeat(50) }],
    again: v.a,
    tail: v.d,
  });
  const reference = (t: ReturnType<typeof compileJsonTemplate<Hole>>, v: Record<Hole, string>) =>
    Buffer.from(t.fill(v), 'utf8').toString('base64');

  it('gives the base64 of fill, 402 after 402, whichever holes change and whatever their lengths', () => {
    // Seeded, so a failure replays: random strings over ASCII and multi-byte characters.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['a', 'Z', '0', '_', '-', 'é', '✓', ' '];
    const text = (length: number) =>
      Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]!).join('');
    for (let pad = 0; pad < 3; pad++) {
      const template = compileJsonTemplate(['a', 'b', 'c', 'd'], (v) => ({
        ...build(v),
        pad: 'p'.repeat(pad),
      }));
      let values: Record<Hole, string> = { a: 'first', b: 'bb', c: 'ccc', d: 'dddd' };
      for (let round = 0; round < 400; round++) {
        const next = { ...values };
        for (const hole of ['a', 'b', 'c', 'd'] as const) {
          const roll = random();
          // Mostly the same length (the fast path), sometimes another length, sometimes unchanged.
          if (roll < 0.5) next[hole] = text(Buffer.byteLength(values[hole]) > 0 ? values[hole].length : 0);
          else if (roll < 0.6) next[hole] = text(Math.floor(random() * 6));
        }
        values = next;
        expect(template.fillBase64(values)).toBe(reference(template, values));
      }
    }
  });

  it('a hole of the same byte length but other characters is encoded again', () => {
    const template = compileJsonTemplate(['a', 'b', 'c', 'd'], build);
    const values = { a: 'ab', b: 'é', c: 'x', d: '' };
    expect(template.fillBase64(values)).toBe(reference(template, values));
    const same = { ...values, b: 'zz' };
    expect(template.fillBase64(same)).toBe(reference(template, same));
  });
});

describe('pay links handed out again', () => {
  const requirement = (scheme: 'http' | 'https', originalUri = '/premium/article'): ResolvedRequirement => ({
    host: 'shop.example',
    scheme,
    path: '/premium/article',
    query: '',
    originalUri,
    request: request,
    source: 'upstream',
  });
  const request = paymentRequestFromJson(BASE_USDC_REQUEST, registry);

  it('the same link while most of its lifetime is left; never across schemes or URIs', () => {
    let now = 1_800_000_000_000;
    const mint = createPayLinkMinter({
      key: keys.payLink,
      prefix: '/_402',
      ttlSeconds: 1000,
      now: () => now,
    });
    const https = mint(requirement('https'));
    const http = mint(requirement('http'));
    expect(openPayLink(keys.payLink, https.split('ref=')[1]!, now).scheme).toBe('https');
    expect(openPayLink(keys.payLink, http.split('ref=')[1]!, now).scheme).toBe('http');
    expect(mint(requirement('https'))).toBe(https);
    expect(mint(requirement('https', '/premium/article?page=2'))).not.toBe(https);
    now += 100_000; // 10 % of its lifetime gone: a fresh one
    const later = mint(requirement('https'));
    expect(later).not.toBe(https);
    expect(openPayLink(keys.payLink, later.split('ref=')[1]!, now).expiresAt).toBe(now + 1_000_000);
    // Asked again at once (the last link): the same while it lasts, each host its own, then fresh.
    expect(mint(requirement('https'))).toBe(later);
    const elsewhere = mint({ ...requirement('https'), host: 'other.example' });
    expect(openPayLink(keys.payLink, elsewhere.split('ref=')[1]!, now).host).toBe('other.example');
    expect(mint({ ...requirement('https'), host: 'other.example' })).toBe(elsewhere);
    now += 100_000;
    const again = mint({ ...requirement('https'), host: 'other.example' });
    expect(again).not.toBe(elsewhere);
    expect(openPayLink(keys.payLink, again.split('ref=')[1]!, now).expiresAt).toBe(now + 1_000_000);
  });
});

describe('the browser 402', () => {
  const browser = { ...api, headers: { accept: 'text/html' } };
  const page = (d: PaymentRequiredDecision, deps: RenderDeps) => {
    const r = renderDenial(d, browser, deps) as RenderedResponse;
    expect(r.status).toBe(402);
    return r;
  };

  it('its page links where its Location goes, and follows the description and host of each 402', () => {
    const { deps, decision } = setup({ ...BASE_USDC_REQUEST, description: 'First <article>' });
    const first = page(decision, deps);
    expect(first.body).toContain(`href="${first.headers.location!.replaceAll('&', '&amp;')}"`);
    expect(first.body).toContain('First &lt;article&gt; on shop.example');
    expect(page(decision, deps).body).toBe(first.body);

    const other = paymentRequestFromJson({ ...BASE_USDC_REQUEST, description: 'Second' }, registry);
    const second = page({ ...decision, requirement: { ...decision.requirement, request: other } }, deps);
    expect(second.body).toContain('Second on shop.example');
    expect(second.body).not.toContain('First');

    const elsewhere = page(
      { ...decision, requirement: { ...decision.requirement, host: 'other.example' } },
      deps,
    );
    expect(elsewhere.body).toContain('First &lt;article&gt; on other.example');
    expect(elsewhere.body).toContain(`href="${elsewhere.headers.location!.replaceAll('&', '&amp;')}"`);
    expect(elsewhere.headers.location).not.toBe(first.headers.location);
  });
});
