/**
 * The echoed challenge of an MPP credential: an `authorization` challenge is bound by the draft's
 * HMAC id over its parameters; a push challenge (evm `hash`, solana `signature`) carrying a sealed
 * challenge may instead have that seal's tag and its index as id (mppPushChallengeId) — and only a
 * push credential: an `authorization` credential whose id has that form is refused, since its
 * request would then be unbound.
 */
import {
  canonicalBase64url,
  deriveSealKeys,
  mppChallengeId,
  mppPushChallengeId,
  REASONS,
  sealChallenge,
  type MppCredential,
  type SettleRequest,
} from '@turnpike/protocol';
import { openCredential } from '../../src/proofs/mpp/open-credential.js';

const keys = deriveSealKeys('a-shared-internal-secret');
const request: SettleRequest = {
  host: 'shop.test',
  scheme: 'https',
  resource: '/premium',
  originalUri: '/premium',
  request: { claims: {}, tokenLifetimeMs: 60_000, offers: [], customization: {} },
  proof: { type: 'tx', network: 'base', tx: '5'.repeat(64) },
};
const sealed = sealChallenge(keys.challenge, {
  v: 1,
  id: 'AAAAAAAAAAAAAAAAAAAAAA',
  iat: 1_800_000_000,
  exp: 1_800_000_900,
  h: 'shop.test',
  s: 'https',
  r: '/premium',
  u: '/premium',
  o: [{ n: 'base', a: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913', t: '10000' }],
  w: 'evm:0123456789abcdef',
  i: 7,
  p: `0x${'cc'.repeat(20)}`,
});
const params = {
  realm: 'shop.test',
  method: 'evm',
  intent: 'charge',
  request: canonicalBase64url({ amount: '10000', recipient: `0x${'cc'.repeat(20)}` }),
  expires: '2027-01-15T08:15:00Z',
  opaque: canonicalBase64url({ c: sealed, r: '/premium' }),
};
const credential = (id: string, type: string, method = 'evm'): MppCredential => ({
  challenge: { ...params, method, id },
  payload: { type },
});
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return 'accepted';
};

describe('MPP challenge ids', () => {
  it('accepts the HMAC id for any credential type, and the seal-tag id for a push credential', () => {
    const hmac = mppChallengeId(keys.mpp, params);
    expect(openCredential(keys.mpp, request, credential(hmac, 'authorization')).opaque.c).toBe(sealed);
    expect(openCredential(keys.mpp, request, credential(hmac, 'hash')).opaque.c).toBe(sealed);
    const push = mppPushChallengeId(sealed, 0);
    expect(push).toBe(`${sealed.slice(-43)}0`);
    expect(openCredential(keys.mpp, request, credential(push, 'hash')).opaque.c).toBe(sealed);
    expect(
      openCredential(keys.mpp, request, credential(mppPushChallengeId(sealed, 11), 'signature', 'solana'))
        .opaque.c,
    ).toBe(sealed);
  });

  it('refuses the seal-tag id for an authorization credential, or for another seal, or of another form', () => {
    const push = mppPushChallengeId(sealed, 0);
    expect(refusal(() => openCredential(keys.mpp, request, credential(push, 'authorization')))).toBe(
      REASONS.MPP_CHALLENGE_INVALID,
    );
    expect(refusal(() => openCredential(keys.mpp, request, credential(push, 'signature')))).toBe(
      REASONS.MPP_CHALLENGE_INVALID,
    );
    const other = sealChallenge(keys.challenge, {
      ...JSON.parse(Buffer.from(sealed.split('.')[0]!, 'base64url').toString()),
      i: 8,
    });
    expect(
      refusal(() => openCredential(keys.mpp, request, credential(mppPushChallengeId(other, 0), 'hash'))),
    ).toBe(REASONS.MPP_CHALLENGE_INVALID);
    for (const id of [sealed.slice(-43), `${sealed.slice(-43)}_`, `${sealed.slice(-43)}00000`])
      expect(refusal(() => openCredential(keys.mpp, request, credential(id, 'hash')))).toBe(
        REASONS.MPP_CHALLENGE_INVALID,
      );
  });

  it('still checks the realm and the resource of a seal-bound push credential', () => {
    const push = mppPushChallengeId(sealed, 0);
    expect(
      refusal(() => openCredential(keys.mpp, { ...request, host: 'other.test' }, credential(push, 'hash'))),
    ).toBe(REASONS.PAYMENT_CHALLENGE_MISMATCH);
    expect(
      refusal(() => openCredential(keys.mpp, { ...request, resource: '/other' }, credential(push, 'hash'))),
    ).toBe(REASONS.PAYMENT_CHALLENGE_MISMATCH);
  });
});
