import { createNetworkRegistry, type ChallengeOffer } from '@turnpike/protocol';
import { escapeHtml, paymentPage } from '../../src/render/html.js';
import { identityHeadersFor } from '../../src/render/identity.js';
import { prefersHtml } from '../../src/render/negotiate.js';
import { samePortalPath } from '../../src/render/render-denial.js';
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
});

describe('pay page location (no open redirect)', () => {
  it('keeps only the path and query of the portal URL, and only under the prefix', () => {
    expect(samePortalPath('https://shop.example/_402/pay?ref=abc', '/_402', 'abc')).toBe('/_402/pay?ref=abc');
    expect(samePortalPath('https://evil.example/_402/pay?ref=abc', '/_402', 'abc')).toBe('/_402/pay?ref=abc');
    expect(samePortalPath('https://shop.example/elsewhere', '/_402', 'r f')).toBe('/_402/pay?ref=r%20f');
    expect(samePortalPath('//evil.example/_402x', '/_402', 'r')).toBe('/_402/pay?ref=r');
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
      extra: { name: 'USD Coin', version: '2' },
    });
    expect(terms.v1[0]).toMatchObject({
      maxAmountRequired: '1500000',
      resource: 'https://h/p',
      mimeType: 'application/json',
      description: 'd',
    });
  });
});
