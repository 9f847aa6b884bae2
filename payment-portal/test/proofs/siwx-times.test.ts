import { REASONS } from '@turnpike/protocol';
import { ProofRefusal } from '../../src/proofs/context.js';
import { checkSiwxTimes, SIWX_CLOCK_SKEW_MS } from '../../src/proofs/x402/siwx/check-times.js';

const NOW = Date.parse('2026-12-07T05:00:00.000Z');
const iso = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();

function refusal(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof ProofRefusal) return err.code;
    throw err;
  }
}

describe('sign-in-with-x validity window', () => {
  it('accepts a message issued just now by an authorizer whose clock is a little ahead', () => {
    const m = { issuedAt: iso(2_000), expirationTime: iso(302_000) };
    expect(refusal(() => checkSiwxTimes(m, NOW))).toBeUndefined();
  });

  it.each([
    ['issued beyond the clock tolerance in the future', { issuedAt: iso(SIWX_CLOCK_SKEW_MS + 1_000) }],
    [
      'issued more than 5 minutes (and the tolerance) ago',
      { issuedAt: iso(-300_000 - SIWX_CLOCK_SKEW_MS - 1) },
    ],
    ['expired', { issuedAt: iso(-200_000), expirationTime: iso(-1) }],
    ['not valid yet', { issuedAt: iso(0), notBefore: iso(SIWX_CLOCK_SKEW_MS + 1_000) }],
    ['with an issuedAt that is not a time', { issuedAt: 'yesterday' }],
    ['with an expirationTime that is not a time', { issuedAt: iso(0), expirationTime: 'soon' }],
  ])('refuses a message %s (siwx_challenge_invalid)', (_why, m) => {
    expect(refusal(() => checkSiwxTimes(m, NOW))).toBe(REASONS.SIWX_CHALLENGE_INVALID);
  });
});
