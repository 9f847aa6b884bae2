/**
 * The MPP wire grammar (draft-httpauth-payment): Turnpike's challenges, parsed by the reference
 * implementation (mppx's own parser, not ours), its HMAC ids, its JCS requests, and the parsing and
 * refusal of `Authorization: Payment` credentials.
 */
import { Challenge, Credential, PaymentRequest } from 'mppx';
import {
  REASONS,
  authParam,
  canonicalBase64url,
  canonicalJson,
  encodeMppReceipt,
  isPaymentAuthorization,
  isProtocolError,
  MAX_MPP_CREDENTIAL_CHARS,
  mppChallengeId,
  mppProblemFor,
  parseMppCredential,
  paymentChallenge,
} from '../src/index.js';

const SECRET = 'an-mpp-binding-secret-for-tests';
const KEY = Buffer.from(SECRET, 'utf8');
const REQUEST = {
  recipient: '0x1111111111111111111111111111111111111111',
  amount: '10000',
  methodDetails: { decimals: 6, credentialTypes: ['authorization'], chainId: 84532 },
  currency: '0x2222222222222222222222222222222222222222',
};

function challengeHeader(realm: string, request: string, opaque: string) {
  const params = { realm, method: 'evm', intent: 'charge', request, expires: '2030-01-01T00:00:00Z', opaque };
  return paymentChallenge([
    ['id', mppChallengeId(KEY, params)],
    ['realm', realm],
    ['method', 'evm'],
    ['intent', 'charge'],
    ['request', request],
    ['expires', params.expires],
    ['opaque', opaque],
  ]);
}

describe('auth-params', () => {
  it('quotes values: backslash and double quote escaped, read back unchanged by mppx', () => {
    expect(authParam('realm', 'a"b\\c')).toBe('realm="a\\"b\\\\c"');
    const header = paymentChallenge([
      ['id', 'x'],
      ['realm', 'we "quote", and \\escape'],
      ['method', 'evm'],
      ['intent', 'charge'],
      ['request', canonicalBase64url(REQUEST)],
    ]);
    expect(Challenge.deserialize(header).realm).toBe('we "quote", and \\escape');
  });

  it('refuses what a header cannot carry: CR, LF, controls, non-ASCII, a name that is not a token', () => {
    for (const bad of ['a\r\nb', 'a\nb', 'a\u0000', 'caf\u00e9'])
      expect(() => authParam('realm', bad)).toThrow(TypeError);
    expect(() => authParam('re alm', 'x')).toThrow(TypeError);
  });

  it('several challenges in one field are read back by mppx one by one, in order', () => {
    const a = challengeHeader('shop.example', canonicalBase64url(REQUEST), canonicalBase64url({ r: '/a' }));
    const b = challengeHeader(
      'shop.example',
      canonicalBase64url({ ...REQUEST, amount: '20000' }),
      canonicalBase64url({ r: '/a', c: 'sealed.value' }),
    );
    const parsed = Challenge.deserializeList(`${a}, ${b}`);
    expect(parsed.map((c) => (c.request as { amount: string }).amount)).toEqual(['10000', '20000']);
    expect(parsed[1]!.opaque).toBe(canonicalBase64url({ r: '/a', c: 'sealed.value' }));
  });
});

describe('challenge ids and requests', () => {
  it("the id is the draft's HMAC: mppx computes the same value from the same parameters and secret", () => {
    const request = canonicalBase64url(REQUEST);
    const opaque = canonicalBase64url({ r: '/premium' });
    const parsed = Challenge.deserialize(challengeHeader('shop.example', request, opaque));
    expect(Challenge.verify(parsed, { secretKey: SECRET })).toBe(true);
    expect(Challenge.verify({ ...parsed, realm: 'other.example' }, { secretKey: SECRET })).toBe(false);
    expect(Challenge.verify(parsed, { secretKey: 'another-secret-entirely' })).toBe(false);
  });

  it('requests are JCS: sorted keys, no spaces, the bytes mppx echoes back', () => {
    expect(canonicalJson(REQUEST)).toBe(
      '{"amount":"10000","currency":"0x2222222222222222222222222222222222222222","methodDetails":{"chainId":84532,"credentialTypes":["authorization"],"decimals":6},"recipient":"0x1111111111111111111111111111111111111111"}',
    );
    expect(PaymentRequest.serialize(REQUEST)).toBe(canonicalBase64url(REQUEST));
    expect(canonicalJson({ b: 1.5, a: 10n })).toBe('{"a":"10","b":1.5}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
  });
});

describe('credentials', () => {
  const challenge = Challenge.deserialize(
    challengeHeader('shop.example', canonicalBase64url(REQUEST), canonicalBase64url({ r: '/premium' })),
  );

  it('parses what mppx serialises, echoed challenge and payload included', () => {
    const header = Credential.serialize(
      Credential.from({
        challenge,
        payload: { type: 'hash', hash: `0x${'ab'.repeat(32)}` },
        source: 'did:x',
      }),
    );
    const c = parseMppCredential(header);
    expect(c.challenge).toMatchObject({
      id: challenge.id,
      realm: 'shop.example',
      method: 'evm',
      intent: 'charge',
    });
    expect(c.challenge.request).toBe(canonicalBase64url(REQUEST));
    expect(c.payload).toEqual({ type: 'hash', hash: `0x${'ab'.repeat(32)}` });
    expect(c.source).toBe('did:x');
  });

  it.each([
    ['not base64url', 'Payment abc*def'],
    ['not JSON', `Payment ${Buffer.from('{nope').toString('base64url')}`],
    [
      'no payload',
      `Payment ${Buffer.from(JSON.stringify({ challenge: { id: 'x' } })).toString('base64url')}`,
    ],
    [
      'an empty id',
      `Payment ${Buffer.from(JSON.stringify({ challenge: { ...challenge, id: '' }, payload: {} })).toString('base64url')}`,
    ],
    ['another scheme', 'Bearer abc'],
    ['too long', `Payment ${'A'.repeat(MAX_MPP_CREDENTIAL_CHARS)}`],
  ])('refuses %s with mpp_credential_malformed', (_name, value) => {
    let caught: unknown;
    try {
      parseMppCredential(value);
    } catch (err) {
      caught = err;
    }
    expect(isProtocolError(caught, REASONS.MPP_CREDENTIAL_MALFORMED)).toBe(true);
  });

  it('tells a Payment credential from a bearer token, case-insensitively', () => {
    expect(isPaymentAuthorization('Payment eyJ')).toBe(true);
    expect(isPaymentAuthorization('payment eyJ')).toBe(true);
    expect(isPaymentAuthorization('Bearer eyJ')).toBe(false);
    expect(isPaymentAuthorization('PaymentX eyJ')).toBe(false);
  });
});

describe('receipts and problems', () => {
  it('Payment-Receipt is base64url JSON that mppx reads', async () => {
    const { Receipt } = await import('mppx');
    const header = encodeMppReceipt({
      method: 'evm',
      challengeId: 'abc',
      reference: `0x${'cd'.repeat(32)}`,
      status: 'success',
      timestamp: '2026-12-07T05:00:00Z',
      chainId: 84532,
    });
    expect(header).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Receipt.deserialize(header)).toMatchObject({ method: 'evm', status: 'success', chainId: 84532 });
  });

  it('maps reasons to the draft problem types', () => {
    expect(mppProblemFor(REASONS.MPP_CREDENTIAL_MALFORMED).type).toBe(
      'https://paymentauth.org/problems/malformed-credential',
    );
    expect(mppProblemFor(REASONS.MPP_CREDENTIAL_USED).code).toBe('invalid-challenge');
    expect(mppProblemFor(REASONS.PAYMENT_UNDERPAID).code).toBe('payment-insufficient');
    expect(mppProblemFor(REASONS.X402_SIGNATURE_INVALID).code).toBe('verification-failed');
  });
});
