import { MAX_MEMO_KEY_CHARS, memoKeyReader } from '../../src/transports/http/memo-key.js';

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
    ).toBe(key);
    expect(nginxKey([...base, 'X-Forwarded-For', '203.0.113.9', 'X-Request-Id', 'r1'])).toBe(key);
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
    expect(new Set(all).size).toBe(all.length);
    expect(all.every((k) => k !== undefined)).toBe(true);
  });

  it('an absent header and an empty one are different keys; so are two dialects', () => {
    expect(nginxKey([...base, 'Authorization', ''])).not.toBe(nginxKey(base));
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
    expect(forwardKey(forward)).not.toBe(nginxKey(base));
    // X-Forwarded-Host names the host when present (Host is then the authorizer's own).
    expect(forwardKey([...forward, 'X-Forwarded-Host', 'other.example'])).not.toBe(forwardKey(forward));
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
