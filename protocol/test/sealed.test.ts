import { createHmac, randomBytes } from 'node:crypto';
import {
  createNetworkRegistry,
  decodePaymentRequest,
  deriveSealKeys,
  macAscii,
  macBase64url,
  newChallengeId,
  openChallenge,
  openPayLink,
  randomPoolBytes,
  randomPoolText,
  seal,
  sealChallenge,
  sealJson,
  sealPayLink,
  toWire,
  unseal,
  type ChallengeClaims,
} from '../src/index.js';

const keys = deriveSealKeys('an-internal-secret-of-32-chars!!');

/** The MAC part of a sealed value, recomputed with node's own HMAC. */
function referenceTag(key: Buffer, sealed: string): string {
  const body = sealed.slice(0, sealed.lastIndexOf('.'));
  return createHmac('sha256', key).update(body).digest('base64url');
}

describe('sealed values', () => {
  it('the MAC is HMAC-SHA256 of the body, for any key length up to a block and any body length', () => {
    for (const keyLength of [1, 16, 32, 63, 64]) {
      const key = randomBytes(keyLength);
      // Past the 4 KiB scratch buffer too, which then grows.
      for (const size of [0, 1, 55, 56, 64, 1000, 5000, 20_000]) {
        const sealed = seal(key, { pad: 'x'.repeat(size) });
        expect(sealed.slice(sealed.lastIndexOf('.') + 1)).toBe(referenceTag(key, sealed));
        expect(unseal(key, sealed, 100_000)).toEqual({ pad: 'x'.repeat(size) });
      }
    }
    expect(() => seal(randomBytes(65), {})).toThrow(RangeError);
  });

  it('seals a JSON text as seal() seals its value, non-ASCII included; longer than the scratch space too', () => {
    const key = randomBytes(32);
    for (const value of [{ a: 1 }, { path: '/é/"q"/😀' }, { pad: 'ü'.repeat(3000) }]) {
      const sealed = sealJson(key, JSON.stringify(value));
      expect(sealed).toBe(seal(key, value));
      expect(sealed.slice(sealed.lastIndexOf('.') + 1)).toBe(referenceTag(key, sealed));
      expect(unseal(key, sealed, 100_000)).toEqual(value);
    }
  });

  it('MACs ASCII text as HMAC-SHA256 does, and refuses any other text (Latin-1 and astral included)', () => {
    const key = randomBytes(32);
    for (const text of ['', 'a|b|c', 'x'.repeat(5000)]) {
      expect(macBase64url(key, text)).toBe(createHmac('sha256', key).update(text).digest('base64url'));
      expect(macAscii(key, text).equals(createHmac('sha256', key).update(text).digest())).toBe(true);
    }
    for (const text of ['é', 'a\u00ffb', 'ok😀', `${'x'.repeat(5000)}ü`]) {
      expect(() => macBase64url(key, text)).toThrow(TypeError);
      expect(() => macAscii(key, text)).toThrow(TypeError);
    }
  });

  it('opens only unaltered values under the same key, within the size limit', () => {
    const sealed = seal(keys.challenge, { a: 1, b: 'two' });
    expect(unseal(keys.challenge, sealed, 1000)).toEqual({ a: 1, b: 'two' });
    expect(unseal(keys.payLink, sealed, 1000)).toBeNull();
    expect(unseal(keys.challenge, sealed, sealed.length - 1)).toBeNull();
    const [body, tag] = sealed.split('.') as [string, string];
    const edited = Buffer.from(JSON.stringify({ a: 2, b: 'two' })).toString('base64url');
    expect(unseal(keys.challenge, `${edited}.${tag}`, 1000)).toBeNull();
    const flipped = `${tag.slice(0, -2)}${tag.at(-2) === 'A' ? 'B' : 'A'}${tag.at(-1)}`;
    expect(unseal(keys.challenge, `${body}.${flipped}`, 1000)).toBeNull();
    for (const junk of ['', '.', 'abc', `${body}.${tag}.x`, `${body}.${tag.slice(1)}`, `${body} .${tag}`])
      expect(unseal(keys.challenge, junk, 1000)).toBeNull();
  });

  it('derives one key per use from the internal secret, and refuses a short secret', () => {
    expect(keys.challenge.equals(keys.payLink)).toBe(false);
    expect(deriveSealKeys('an-internal-secret-of-32-chars!!').challenge.equals(keys.challenge)).toBe(true);
    expect(deriveSealKeys('another-internal-secret-32chars!').challenge.equals(keys.challenge)).toBe(false);
    expect(() => deriveSealKeys('fifteen-chars!!')).toThrow(/at least 16/);
  });

  it('a challenge opens with its claims; a pay link sealed for the other use does not', () => {
    const claims: ChallengeClaims = {
      v: 1,
      id: newChallengeId(),
      iat: 1_800_000_000,
      exp: 1_800_001_800,
      h: 'shop.test',
      s: 'https',
      r: '/premium',
      u: '/premium/doc?id=7',
      o: [{ n: 'base', a: `0x${'ab'.repeat(20)}`, t: '10000' }],
      w: 'evm:0123456789abcdef',
      i: 7,
      p: `0x${'cd'.repeat(20)}`,
    };
    const sealed = sealChallenge(keys.challenge, claims);
    expect(openChallenge(keys.challenge, sealed)).toEqual(claims);
    expect(() => openChallenge(keys.payLink, sealed)).toThrow(
      expect.objectContaining({ code: 'payment_challenge_invalid' }),
    );
    const link = sealPayLink(keys.payLink, {
      host: 'shop.test',
      scheme: 'https',
      resource: '/premium',
      originalUri: '/premium/doc',
      request: toWire(
        decodePaymentRequest(
          Buffer.from(
            JSON.stringify({ exp: 60_000, payment: { requests: [{ network: 'base', amount: '1' }] } }),
          ).toString('base64'),
          createNetworkRegistry(),
        ),
      ),
      expiresAt: 1_800_000_000_000,
    });
    expect(openPayLink(keys.payLink, link, 1_799_999_999_000).originalUri).toBe('/premium/doc');
    expect(() => openPayLink(keys.payLink, link, 1_800_000_000_000)).toThrow(
      expect.objectContaining({ code: 'reference_invalid' }),
    );
    expect(() => openChallenge(keys.challenge, link)).toThrow(
      expect.objectContaining({ code: 'payment_challenge_invalid' }),
    );
  });

  it('random ids come from the CSPRNG pool, each bit pattern once', () => {
    const ids = new Set<string>();
    // Several refills of the 4 KiB pool.
    for (let i = 0; i < 2_000; i++) ids.add(newChallengeId());
    expect(ids.size).toBe(2_000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const a = Buffer.from(randomPoolBytes(32));
    const b = Buffer.from(randomPoolBytes(32));
    expect(a.equals(b)).toBe(false);
    expect(() => randomPoolBytes(4097)).toThrow(RangeError);
    // Text from the pool: each draw its own bytes, bytes and text interleaved across refills.
    const texts = new Set<string>();
    for (let i = 0; i < 600; i++) {
      texts.add(randomPoolText(8, 'hex'));
      texts.add(Buffer.from(randomPoolBytes(8)).toString('hex'));
    }
    expect(texts.size).toBe(1_200);
    expect(randomPoolText(8, 'hex')).toMatch(/^[0-9a-f]{16}$/);
    expect(() => randomPoolText(4097, 'hex')).toThrow(RangeError);
  });
});
