import { createNetworkRegistry, type ChallengeOffer } from '@turnpike/protocol';
import { escapeHtml, paymentPage } from '../../src/render/html.js';
import { identityHeadersFor } from '../../src/render/identity.js';
import { prefersHtml } from '../../src/render/negotiate.js';
import { deriveSealKeys, openPayLink, paymentRequestFromJson } from '@turnpike/protocol';
import { mintPayLink } from '../../src/challenges/mint-pay-link.js';
import type { ResolvedRequirement } from '../../src/core/types.js';
import { BASE_USDC_REQUEST } from '../support/upstream.js';
import { x402Terms } from '../../src/render/x402.js';

describe('content negotiation', () => {
  it.each([
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true],
    ['text/html', true],
    ['application/json', false],
    ['application/json, text/html;q=0.5', false],
    ['text/html;q=0.9, application/json;q=0.9', true],
    ['*/*', false],
    [undefined, false],
    ['text/html;q=0', false],
  ])('Accept %s → html %s', (accept, html) => {
    expect(prefersHtml(accept)).toBe(html);
  });

  it('answers each Accept for itself when they alternate (the last one is remembered)', () => {
    const browser = 'text/html,application/xhtml+xml,*/*;q=0.8';
    const apiFirst = 'application/json, text/html;q=0.5';
    for (let i = 0; i < 3; i++) {
      expect(prefersHtml(browser)).toBe(true);
      expect(prefersHtml(browser)).toBe(true);
      expect(prefersHtml(apiFirst)).toBe(false);
      expect(prefersHtml(apiFirst)).toBe(false);
    }
  });
});

describe('pay link (sealed by the authorizer, no open redirect)', () => {
  const keys = deriveSealKeys('a-shared-internal-secret');
  const requirement = (scheme: 'http' | 'https'): ResolvedRequirement => ({
    host: 'shop.example',
    scheme,
    path: '/premium/article',
    query: 'x=1',
    originalUri: '/premium/article?x=1',
    request: paymentRequestFromJson(BASE_USDC_REQUEST, createNetworkRegistry()),
    source: 'upstream',
  });

  it('is a path on the protected host under the prefix, carrying the host, URI, price and scheme', () => {
    const link = mintPayLink(requirement('https'), { key: keys.payLink, prefix: '/_402', ttlSeconds: 60 });
    expect(link.path).toMatch(/^\/_402\/pay\?ref=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const opened = openPayLink(keys.payLink, link.path.split('ref=')[1]!, Date.now());
    expect(opened).toMatchObject({
      host: 'shop.example',
      scheme: 'https',
      originalUri: '/premium/article?x=1',
    });
  });

  it('keeps http and https apart (the cookie set after payment is Secure exactly on https)', () => {
    const http = mintPayLink(requirement('http'), { key: keys.payLink, prefix: '/_402', ttlSeconds: 60 });
    const https = mintPayLink(requirement('https'), { key: keys.payLink, prefix: '/_402', ttlSeconds: 60 });
    expect(openPayLink(keys.payLink, http.path.split('ref=')[1]!, Date.now()).scheme).toBe('http');
    expect(openPayLink(keys.payLink, https.path.split('ref=')[1]!, Date.now()).scheme).toBe('https');
  });

  it('refuses an altered, foreign or expired link with reference_invalid', () => {
    const ref = mintPayLink(requirement('https'), {
      key: keys.payLink,
      prefix: '/_402',
      ttlSeconds: 60,
    }).path.split('ref=')[1]!;
    const [body, mac] = ref.split('.') as [string, string];
    const altered = `${Buffer.from(Buffer.from(body, 'base64url').toString().replace('/premium', '/premiun')).toString('base64url')}.${mac}`;
    expect(() => openPayLink(keys.payLink, altered, Date.now())).toThrow(/reference_invalid/);
    expect(() => openPayLink(deriveSealKeys('another-installation').payLink, ref, Date.now())).toThrow(
      /reference_invalid/,
    );
    expect(() => openPayLink(keys.challenge, ref, Date.now())).toThrow(/reference_invalid/);
    expect(() => openPayLink(keys.payLink, ref, Date.now() + 61_000)).toThrow(/reference_invalid/);
  });

  it('escapes everything put into the HTML page', () => {
    expect(escapeHtml(`<script>"'&`)).toBe('&lt;script&gt;&quot;&#39;&amp;');
    const page = paymentPage({ payUrl: '/_402/pay?ref=a&b', description: '<b>x</b>', host: 'h' });
    expect(page).toContain('/_402/pay?ref=a&amp;b');
    expect(page).not.toContain('<b>x</b>');
  });
});

describe('identity headers', () => {
  it('sets all four, claims as base64url JSON; empty strings on a free resource', () => {
    expect(identityHeadersFor({ identity: { payer: '', tokenId: '', claims: {}, scope: '' } })).toEqual({
      'x-402-payer': '',
      'x-402-token-id': '',
      'x-402-claims': '',
      'x-402-scope': '',
    });
    const h = identityHeadersFor({
      identity: { payer: '0xp', tokenId: 'j', claims: { plan: 'gold' }, scope: '/p' },
    });
    expect(JSON.parse(Buffer.from(h['x-402-claims'], 'base64url').toString())).toEqual({ plan: 'gold' });
  });
});

describe('x402 terms', () => {
  const registry = createNetworkRegistry({
    anvil: {
      kind: 'evm',
      caip2: 'eip155:31337',
      chainId: 31337,
      nativeSymbol: 'ETH',
      nativeDecimals: 18,
      confirmations: 0,
      testnet: true,
      tokens: {
        USDC: {
          kind: 'erc20',
          symbol: 'USDC',
          decimals: 6,
          address: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
          eip712: { name: 'USD Coin', version: '2' },
        },
      },
    },
  });
  const usdc = (network: string, address: string): ChallengeOffer => ({
    network,
    caip2: registry.require(network).caip2,
    asset: {
      symbol: 'USDC',
      kind: 'erc20',
      decimals: 6,
      address,
      eip712: { name: 'USD Coin', version: '2' },
    },
    amount: '1.5',
    atomic: '1500000',
    payTo: '0x00000000000000000000000000000000000000aa',
  });
  const ctx = {
    registry,
    resourceUrl: 'https://h/p',
    description: 'd',
    mimeType: 'application/json',
    maxTimeoutSeconds: 60,
    secret: 'abcdefghijklmnopqrstuv',
  };

  it('only EVM ERC-20 offers; v1 only for networks with an x402 v1 name', () => {
    const native: ChallengeOffer = {
      network: 'base',
      caip2: 'eip155:8453',
      asset: { symbol: 'ETH', kind: 'native', decimals: 18 },
      amount: '1',
      atomic: '1000000000000000000',
      payTo: '0x00000000000000000000000000000000000000bb',
    };
    const sol: ChallengeOffer = {
      network: 'solana',
      caip2: registry.require('solana').caip2,
      asset: {
        symbol: 'USDC',
        kind: 'spl',
        decimals: 6,
        mint: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
      },
      amount: '1',
      atomic: '1000000',
      payTo: 'x',
    };
    const terms = x402Terms(
      [
        native,
        usdc('base', '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913'),
        sol,
        usdc('anvil', '0x5FbDB2315678afecb367f032d93F642f64180aa3'),
      ],
      ctx,
    );
    expect(terms.v2.map((r) => r.network)).toEqual(['eip155:8453', 'eip155:31337']);
    expect(terms.v1.map((r) => r.network)).toEqual(['base']);
    expect(terms.v2[0]).toEqual({
      scheme: 'exact',
      network: 'eip155:8453',
      amount: '1500000',
      asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
      payTo: '0x00000000000000000000000000000000000000aa',
      maxTimeoutSeconds: 60,
      // The requester's secret rides in extra: v2 clients echo it, the portal binds the payment to it.
      extra: { name: 'USD Coin', version: '2', challenge: 'abcdefghijklmnopqrstuv' },
    });
    expect(terms.v1[0]).toMatchObject({
      maxAmountRequired: '1500000',
      resource: 'https://h/p',
      mimeType: 'application/json',
      description: 'd',
    });
  });
});
