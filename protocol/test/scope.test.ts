import { ProtocolError, normalizePath, scopeCovers } from '@turnpike/protocol';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}
const PIECES = [
  '/',
  '//',
  '.',
  '..',
  '/./',
  '/../',
  'a',
  'B',
  '%2e',
  '%2E%2e',
  '%7E',
  '%41',
  '%2F',
  '%5c',
  '\\',
  '~',
  '-',
  '%20',
  '"',
  '|',
  ';',
  '=',
  'x',
  '%',
  '%zz',
  '?',
  'é',
];

describe('normalizePath properties', () => {
  it('is idempotent and its output has no empty, dot or encoded-separator segments', () => {
    const next = rng(1402);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      let target = '/';
      const n = 1 + Math.floor(next() * 10);
      for (let j = 0; j < n; j++) target += PIECES[Math.floor(next() * PIECES.length)];
      let out: { path: string; query: string };
      try {
        out = normalizePath(target);
      } catch (err) {
        expect(err).toBeInstanceOf(ProtocolError);
        continue;
      }
      accepted++;
      expect(normalizePath(out.path)).toEqual({ path: out.path, query: '' });
      const segments = out.path.split('/').slice(1, -1);
      for (const s of segments) expect(['', '.', '..']).not.toContain(s);
      expect(out.path).not.toMatch(/%2F|%5C|%2E|%7E|%4[1-9A-F]|%[0-9a-f][a-f]|%[a-f][0-9a-f]/);
      expect(out.path.startsWith('/')).toBe(true);
    }
    expect(accepted).toBeGreaterThan(2000);
  });
});

describe('scopeCovers', () => {
  it('follows segment boundaries', () => {
    expect(scopeCovers('/premium', '/premium')).toBe(true);
    expect(scopeCovers('/premium', '/premium/x')).toBe(true);
    expect(scopeCovers('/premium', '/premium-x')).toBe(false);
    expect(scopeCovers('/premium', '/premiumx/y')).toBe(false);
    expect(scopeCovers('/premium/', '/premium')).toBe(false);
    expect(scopeCovers('/premium/', '/premium/')).toBe(true);
    expect(scopeCovers('/', '/x')).toBe(true);
    expect(scopeCovers('', '/x')).toBe(false);
    expect(scopeCovers('premium', 'premium/x')).toBe(false);
  });
});
