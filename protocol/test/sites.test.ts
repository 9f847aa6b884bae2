import {
  createSiteIndex,
  firstOverlap,
  siteHostMatches,
  siteHostsOverlap,
  siteInputSchema,
  sitePatchSchema,
} from '../src/index.js';

const XPUB =
  'xpub6BosfCnifzxcFwrSzQiqu2DBVTshkCXacvNsWGYJVVhhawA7d4R5WSWGFNbi8Aw6ZRc1brxMyWMzG3DSSSSoekkudhUd9yLb6qx39T9nMdj';

describe('site host patterns', () => {
  test.each([
    ['shop.example', 'shop.example', true],
    ['shop.example', 'shop.example:8443', true],
    ['shop.example:8443', 'shop.example:8443', true],
    ['shop.example:8443', 'shop.example', false],
    ['shop.example:8443', 'shop.example:443', false],
    ['*.shop.example', 'a.shop.example', true],
    ['*.shop.example', 'a.b.shop.example:80', true],
    ['*.shop.example', 'shop.example', false],
    ['*.shop.example', 'evilshop.example', false],
    ['shop.example', 'other.example', false],
  ])('%s matches %s: %s', (pattern, host, expected) => {
    expect(siteHostMatches(pattern, host)).toBe(expected);
  });

  test.each([
    ['a.example', 'a.example', true],
    ['a.example', 'b.example', false],
    ['a.example:80', 'a.example:81', false],
    ['a.example:80', 'a.example', true],
    ['*.example', 'a.example', true],
    ['*.example', 'example', false],
    ['*.example', '*.a.example', true],
    ['*.a.example', '*.b.example', false],
    ['*.example:80', '*.example:443', false],
  ])('%s overlaps %s: %s', (a, b, expected) => {
    expect(siteHostsOverlap(a, b)).toBe(expected);
    expect(siteHostsOverlap(b, a)).toBe(expected);
  });

  test('firstOverlap names the pair', () => {
    expect(firstOverlap(['x.example', 'api.shop.example'], ['*.shop.example'])).toEqual({
      pattern: 'api.shop.example',
      other: '*.shop.example',
    });
    expect(firstOverlap(['x.example'], ['y.example'])).toBeUndefined();
  });

  test('the index resolves a host to the site claiming it, else to the fallback, and remembers', () => {
    const a = { id: 'a', hosts: ['a.example', '*.a.example'] };
    const b = { id: 'b', hosts: ['b.example:8080'] };
    const fallback = { id: 'default', hosts: [] };
    const index = createSiteIndex([fallback, a, b], fallback);
    expect(index.resolve('a.example').id).toBe('a');
    expect(index.resolve('API.A.EXAMPLE').id).toBe('a');
    expect(index.resolve('b.example:8080').id).toBe('b');
    expect(index.resolve('b.example').id).toBe('default');
    expect(index.resolve('elsewhere.example').id).toBe('default');
    // Same object on a second lookup (the memo), not a new scan's result.
    expect(index.resolve('a.example')).toBe(a);
  });
});

describe('site schema', () => {
  test('a minimal site gets its defaults', () => {
    expect(siteInputSchema.parse({ id: 'shop-a', hosts: ['shop-a.example'] })).toEqual({
      id: 'shop-a',
      hosts: ['shop-a.example'],
      wallets: {},
      branding: {},
      limits: {},
      enabled: true,
    });
  });

  test('every problem is reported at once, each with its path', () => {
    const r = siteInputSchema.safeParse({
      id: '-Bad',
      hosts: ['Shop.Example', 'ok.example', 'ok.example'],
      wallets: { evm: { xpub: 'xprv-not-a-key' }, solana: { address: '0OIl' } },
      branding: { logoUrl: 'javascript:alert(1)', colors: { accent: 'red' } },
      tokenLifetimeMs: 5,
      surprise: true,
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining([
        'id',
        'hosts.0',
        'hosts',
        'wallets.evm.xpub',
        'wallets.solana.address',
        'branding.logoUrl',
        'branding.colors.accent',
        'tokenLifetimeMs',
        '',
      ]),
    );
  });

  test('a real xpub and a full definition parse', () => {
    const site = siteInputSchema.parse({
      id: 'b',
      hosts: ['b.example', '*.b.example:8443'],
      upstream: 'http://10.0.0.5:8080',
      wallets: { evm: { xpub: XPUB }, solana: { address: '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin' } },
      accept: { networks: ['base'], assets: ['USDC'] },
      branding: { name: 'B', logoUrl: 'https://b.example/logo.png', colors: { accent: '#0a0' } },
      tokenLifetimeMs: 60_000,
      limits: { invoicesPerMinutePerIp: 5 },
      enabled: false,
    });
    expect(site.wallets.evm?.xpub).toBe(XPUB);
    expect(site.enabled).toBe(false);
  });

  test('a patch may not change the id, and adds no defaults', () => {
    expect(sitePatchSchema.safeParse({ id: 'x' }).success).toBe(false);
    expect(sitePatchSchema.parse({ hosts: ['c.example'] })).toEqual({ hosts: ['c.example'] });
  });
});
