/**
 * `exp` as the original 402 project wrote it (robertlestak/402 README: "an optional `exp` field
 * that will set the token expiry to `exp` nanoseconds from the time of issuance", example
 * `"exp": 6000000000000`): optional, and a Go duration in nanoseconds is read as such by the
 * thresholds documented in docs/payment-request.md.
 */
import {
  DEFAULT_TOKEN_LIFETIME_MS,
  GO_DURATION_MAX_NS,
  GO_DURATION_MIN_NS,
  MAX_TOKEN_LIFETIME_MS,
  ProtocolError,
  createNetworkRegistry,
  decodePaymentRequest,
  fromWire,
  toWire,
  paymentRequestFromJson,
} from '@turnpike/protocol';

const registry = createNetworkRegistry();
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
const withExp = (exp?: unknown) => ({
  claims: { aud: 'example.com', resource: '/hello-world' },
  ...(exp === undefined ? {} : { exp }),
  payment: { requests: [{ network: 'polygon', address: '', amount: 10 }] },
});
const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
  return 'ok';
};

describe('exp in a declaration', () => {
  it("reads the original README's 6000000000000 as nanoseconds: 100 minutes, and says so once", () => {
    const notices: unknown[] = [];
    const pr = decodePaymentRequest(b64(withExp(6_000_000_000_000)), registry, {
      onGoDurationExp: (n) => notices.push(n),
    });
    expect(pr.tokenLifetimeMs).toBe(100 * 60 * 1000);
    expect(notices).toEqual([
      { exp: 6_000_000_000_000, lifetimeMs: 6_000_000, declaration: expect.stringMatching(/^[0-9a-f]{16}$/) },
    ]);
  });

  it('gives a declaration without exp (or the original "no expiry" 0 / null) the configured default', () => {
    expect(paymentRequestFromJson(withExp(), registry).tokenLifetimeMs).toBe(DEFAULT_TOKEN_LIFETIME_MS);
    expect(DEFAULT_TOKEN_LIFETIME_MS).toBe(3_600_000);
    for (const exp of [undefined, 0, null]) {
      expect(
        paymentRequestFromJson(withExp(exp), registry, { defaultTokenLifetimeMs: 120_000 }).tokenLifetimeMs,
      ).toBe(120_000);
    }
  });

  it('keeps milliseconds up to 366 days, and reads nanoseconds just above that threshold', () => {
    const notices: unknown[] = [];
    const read = (exp: number) =>
      paymentRequestFromJson(withExp(exp), registry, { onGoDurationExp: (n) => notices.push(n) })
        .tokenLifetimeMs;
    expect(read(1_000)).toBe(1_000);
    expect(read(86_400_000)).toBe(86_400_000);
    expect(read(MAX_TOKEN_LIFETIME_MS)).toBe(MAX_TOKEN_LIFETIME_MS);
    expect(notices).toHaveLength(0);
    expect(GO_DURATION_MIN_NS).toBe(31_622_400_001);
    expect(read(GO_DURATION_MIN_NS)).toBe(31_622); // 31.6 s, rounded down to whole ms
    expect(read(GO_DURATION_MAX_NS)).toBe(MAX_TOKEN_LIFETIME_MS);
    expect(notices).toHaveLength(2);
  });

  it('refuses what is a lifetime under neither rule', () => {
    for (const exp of [999, 1, -5, GO_DURATION_MAX_NS + 1_000_000, 1.5, '6000000000000', true]) {
      expect(codeOf(() => paymentRequestFromJson(withExp(exp), registry))).toBe('request_exp_invalid');
    }
  });

  it('does not read the internal wire form as nanoseconds (only declarations are the old format)', () => {
    const wire = toWire(paymentRequestFromJson(withExp(60_000), registry));
    expect(codeOf(() => fromWire({ ...wire, tokenLifetimeMs: 6_000_000_000_000 }, registry))).toBe(
      'request_exp_invalid',
    );
  });
});
