// Every malformed input must end in a ProtocolError with a stable reason (never a TypeError or a
// silent success), so callers can fail closed with a precise reason. Deterministic pseudo-random
// mutations of valid inputs.
import {
  ProtocolError,
  createNetworkRegistry,
  decodePaymentRequest,
  decodeX402Header,
  isReason,
  normalizePath,
  paymentRequestFromHtml,
  x402PaymentPayloadV2Schema,
} from '@turnpike/protocol';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}
const next = rng(20261121);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
const WEIRD: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  '',
  ' ',
  '0',
  '1e3',
  'x'.repeat(600),
  [],
  [1],
  {},
  { a: 1 },
  '__proto__',
  'javascript:alert(1)',
  'http://x',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  'USDC',
  'base',
  '/../x',
];
const registry = createNetworkRegistry();
const valid = {
  claims: { aud: 'shop.example', resource: '/p' },
  exp: 60_000,
  description: 'd',
  customization: { css: 'https://x.example/a.css' },
  payment: {
    requests: [
      { network: 'base', amount: '1', asset: 'USDC', address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' },
    ],
  },
};

function mutate(value: unknown, depth = 0): unknown {
  if (depth > 4 || next() < 0.15) return pick(WEIRD);
  if (Array.isArray(value)) {
    const copy = value.map((v) => (next() < 0.3 ? mutate(v, depth + 1) : v));
    if (next() < 0.2) copy.push(mutate(value[0], depth + 1));
    return copy;
  }
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const key of Object.keys(copy)) {
      const r = next();
      if (r < 0.1) delete copy[key];
      else if (r < 0.4) copy[key] = mutate(copy[key], depth + 1);
    }
    if (next() < 0.05) copy[String(pick(WEIRD))] = pick(WEIRD);
    return copy;
  }
  return pick(WEIRD);
}

function expectReasonOrValue(fn: () => unknown): 'ok' | string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    expect(isReason(err.code)).toBe(true);
    return err.code;
  }
}

describe('fuzzing', () => {
  it('payment requests: 5000 mutated JSON documents', () => {
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const doc = mutate(valid);
      const header = Buffer.from(JSON.stringify(doc) ?? 'null').toString(
        next() < 0.5 ? 'base64' : 'base64url',
      );
      const r = expectReasonOrValue(() => decodePaymentRequest(header, registry));
      outcomes.set(r, (outcomes.get(r) ?? 0) + 1);
    }
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(0);
    expect(outcomes.size).toBeGreaterThan(8);
  });

  it('payment requests: 5000 byte-level corruptions of a header', () => {
    const header = Buffer.from(JSON.stringify(valid)).toString('base64');
    const alphabet = 'AZaz09+/=-_%. \t\u00e9\u0000';
    for (let i = 0; i < 5000; i++) {
      const chars = [...header];
      const edits = 1 + Math.floor(next() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * chars.length);
        const r = next();
        if (r < 0.4) chars[at] = pick([...alphabet]);
        else if (r < 0.7) chars.splice(at, 1);
        else chars.splice(at, 0, pick([...alphabet]));
      }
      expectReasonOrValue(() => decodePaymentRequest(chars.join(''), registry));
    }
  });

  it('request targets: 20000 random strings', () => {
    const alphabet = [
      '/',
      '.',
      '%',
      '2',
      'e',
      'E',
      'f',
      'F',
      '5',
      'c',
      '?',
      '#',
      '\\',
      ' ',
      'a',
      '~',
      ':',
      '@',
      '\u0000',
      '\u00ff',
      '\ud800',
    ];
    for (let i = 0; i < 20_000; i++) {
      let s = next() < 0.9 ? '/' : '';
      const n = Math.floor(next() * 16);
      for (let j = 0; j < n; j++) s += pick(alphabet);
      expectReasonOrValue(() => normalizePath(s));
    }
  });

  it('HTML heads: 3000 random tag soups', () => {
    const content = Buffer.from(JSON.stringify(valid)).toString('base64');
    const bits = [
      '<',
      '>',
      '"',
      "'",
      '=',
      '/',
      '<!--',
      '-->',
      '<script>',
      '</script>',
      '<head>',
      '</head>',
      '<meta ',
      'name=x-402-request ',
      `content="${content}"`,
      'content=',
      '&amp;',
      '&#61;',
      ' ',
      'x',
    ];
    for (let i = 0; i < 3000; i++) {
      let html = '';
      const n = Math.floor(next() * 30);
      for (let j = 0; j < n; j++) html += pick(bits);
      expectReasonOrValue(() => paymentRequestFromHtml(html, registry));
    }
  });

  it('x402 headers: 3000 mutated payloads', () => {
    const payload = {
      x402Version: 2,
      accepted: {
        scheme: 'exact',
        network: 'eip155:8453',
        amount: '1',
        asset: '0x',
        payTo: '0x',
        maxTimeoutSeconds: 60,
      },
      payload: { signature: '0x' },
    };
    for (let i = 0; i < 3000; i++) {
      const value = Buffer.from(JSON.stringify(mutate(payload)) ?? 'null').toString('base64');
      expectReasonOrValue(() => decodeX402Header(value, x402PaymentPayloadV2Schema));
    }
  });
});
