import {
  MAX_MEMO_KEY_CHARS,
  memoKeyReader,
  sameMemoKey,
  type MemoKey,
} from '../../src/transports/http/memo-key.js';

/** Whether two readings name the same memo entry (both present and sameMemoKey). */
const same = (a: MemoKey | undefined, b: MemoKey | undefined): boolean =>
  a !== undefined && b !== undefined && sameMemoKey(a, b);

const nginxKey = memoKeyReader({
  dialect: 'nginx',
  method: 'x-original-method',
  host: undefined,
  proto: 'x-forwarded-proto',
  uri: 'x-original-uri',
});
const forwardKey = memoKeyReader({
  dialect: 'forward-auth',
  method: 'x-forwarded-method',
  host: 'x-forwarded-host',
  proto: 'x-forwarded-proto',
  uri: 'x-forwarded-uri',
});

const base = [
  'Host',
  'shop.example',
  'X-Original-Method',
  'GET',
  'X-Original-URI',
  '/premium/a',
  'Cookie',
  '402_token=t',
];

describe('memoKeyReader', () => {
  it('reads names in any case; other headers (client address, request id) are not part of the key', () => {
    const key = nginxKey(base);
    expect(key).toBeDefined();
    expect(
      same(
        key,
        nginxKey([
          'host',
          'shop.example',
          'x-original-method',
          'GET',
          'x-original-uri',
          '/premium/a',
          'COOKIE',
          '402_token=t',
        ]),
      ),
    ).toBe(true);
    expect(same(nginxKey([...base, 'X-Forwarded-For', '203.0.113.9', 'X-Request-Id', 'r1']), key)).toBe(true);
  });

  it('every value the decision depends on changes the key', () => {
    const key = nginxKey(base);
    const variants = [
      ['Host', 'other.example'],
      ['X-Original-Method', 'POST'],
      ['X-Original-URI', '/premium/b'],
      ['Cookie', '402_token=u'],
    ].map(([name, value]) => nginxKey(base.map((v, i) => (i > 0 && base[i - 1] === name ? value! : v))));
    const extra = [
      nginxKey([...base, 'X-Forwarded-Proto', 'https']),
      nginxKey([...base, 'Authorization', 'Bearer t']),
      nginxKey([...base, 'X-402-Token', 't']),
      nginxKey([...base, 'X-402-Token', '']),
    ];
    const all = [key, ...variants, ...extra];
    expect(all.every((k) => k !== undefined)).toBe(true);
    for (const [i, a] of all.entries())
      for (const [j, b] of all.entries()) expect([i, j, same(a, b)]).toEqual([i, j, i === j]);
  });

  it('tokens that share their last characters (a signature tail) share a selector but are different keys', () => {
    const tail = 'S'.repeat(64);
    const a = nginxKey([...base.slice(0, 6), 'Authorization', `Bearer aaa.${tail}`]);
    const b = nginxKey([...base.slice(0, 6), 'Authorization', `Bearer bbb.${tail}`]);
    expect(a!.selector).toBe(b!.selector);
    expect(same(a, b)).toBe(false);
    expect(same(a, nginxKey([...base.slice(0, 6), 'Authorization', `Bearer aaa.${tail}`]))).toBe(true);
    const c = nginxKey([...base.slice(0, 6), 'X-402-Token', `ccc.${tail}`]);
    const d = nginxKey([...base.slice(0, 6), 'X-402-Token', `ddd.${tail}`]);
    expect(c!.selector).toBe(d!.selector);
    expect(same(c, d)).toBe(false);
    // The selector holds only the tail: its size does not grow with the token.
    expect(a!.selector.length).toBeLessThan(base.join('').length + 80);
  });

  it('an absent header and an empty one are different keys; so are two dialects', () => {
    expect(same(nginxKey([...base, 'Authorization', '']), nginxKey(base))).toBe(false);
    const forward = [
      'Host',
      'shop.example',
      'X-Forwarded-Method',
      'GET',
      'X-Forwarded-URI',
      '/premium/a',
      'Cookie',
      '402_token=t',
    ];
    expect(same(forwardKey(forward), nginxKey(base))).toBe(false);
    // X-Forwarded-Host names the host when present (Host is then the authorizer's own).
    expect(same(forwardKey([...forward, 'X-Forwarded-Host', 'other.example']), forwardKey(forward))).toBe(
      false,
    );
  });

  it('a request without any token source (no Cookie, Authorization or X-402-Token) is not memoised', () => {
    const tokenless = base.slice(0, 6);
    expect(nginxKey(tokenless)).toBeUndefined();
    expect(nginxKey([...tokenless, 'X-402-Token', 't'])).toBeDefined();
    expect(nginxKey([...tokenless, 'Authorization', 'Bearer t'])).toBeDefined();
    expect(nginxKey(base)).toBeDefined();
  });

  it('a key longer than MAX_MEMO_KEY_CHARS is not memoised (its memory stays bounded)', () => {
    const long = `/premium/${'a'.repeat(MAX_MEMO_KEY_CHARS)}`;
    expect(nginxKey(base.map((v) => (v === '/premium/a' ? long : v)))).toBeUndefined();
    // A long token counts whole, though the selector holds only its tail.
    const longToken = `Bearer ${'t'.repeat(MAX_MEMO_KEY_CHARS)}`;
    expect(nginxKey([...base.slice(0, 6), 'Authorization', longToken])).toBeUndefined();
  });

  it.each([
    ['a repeated Cookie', ['Cookie', '402_token=u']],
    ['a repeated Host', ['host', 'shop.example']],
    ['a proof (x-payment-tx)', ['X-Payment-Tx', '0xab']],
    ['a proof (PAYMENT-SIGNATURE)', ['PAYMENT-SIGNATURE', 'e30']],
    ['a proof (X-PAYMENT)', ['X-PAYMENT', 'e30']],
    ['a proof (sign-in-with-x)', ['Sign-In-With-X', 'e30']],
    ['a proof (x-payment-chain)', ['x-payment-chain', 'base']],
    ['a proof (x-payment-challenge)', ['x-payment-challenge', 'c']],
    ['an MPP credential', ['Authorization', 'Payment e30']],
    ['another auth scheme', ['Authorization', 'Basic e30']],
  ])('%s: no key (decided every time)', (_name, extra) => {
    expect(nginxKey([...base, ...extra])).toBeUndefined();
  });
});
