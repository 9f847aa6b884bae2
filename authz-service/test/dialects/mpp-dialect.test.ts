/**
 * The MPP dialect on the authorizer: `Authorization: Payment` is read as a credential (and only
 * that scheme), garbled ones are refused with a stable reason, a `Bearer` token in the same header
 * is left to the token checker, and the portal's receipt becomes `Payment-Receipt`.
 */
import { Credential } from 'mppx';
import { REASONS, canonicalBase64url, type SettleProof } from '@turnpike/protocol';
import { extractProof } from '../../src/proofs/extract.js';
import { mppDialect } from '../../src/dialects/mpp/mpp-dialect.js';
import { tokenCandidates } from '../../src/tokens/sources.js';
import { createNetworkRegistry } from '@turnpike/protocol';

const registry = createNetworkRegistry();

function credential(method = 'evm', intent = 'charge'): string {
  return Credential.serialize(
    Credential.from({
      challenge: {
        id: 'an-id',
        realm: 'shop.example',
        method,
        intent,
        request: { amount: '1', currency: '0x2222222222222222222222222222222222222222' },
        opaque: canonicalBase64url({ r: '/premium' }),
        expires: '2030-01-01T00:00:00Z',
      },
      payload: { type: 'hash', hash: `0x${'ab'.repeat(32)}` },
    }),
  );
}

describe('mpp dialect', () => {
  it('reads a Payment credential into an mpp proof', () => {
    const found = mppDialect.extract({ authorization: credential() }, registry);
    expect(found.kind).toBe('proof');
    const proof = (found as { proof: SettleProof }).proof;
    expect(proof.type).toBe('mpp');
    expect(proof.type === 'mpp' && proof.credential.challenge.realm).toBe('shop.example');
  });

  it('refuses a garbled credential and a method or intent it does not take', () => {
    expect(mppDialect.extract({ authorization: 'Payment %%%' }, registry)).toEqual({
      kind: 'invalid',
      reason: REASONS.MPP_CREDENTIAL_MALFORMED,
    });
    expect(mppDialect.extract({ authorization: credential('tempo') }, registry)).toEqual({
      kind: 'invalid',
      reason: REASONS.MPP_METHOD_UNSUPPORTED,
    });
    expect(mppDialect.extract({ authorization: credential('evm', 'session') }, registry)).toEqual({
      kind: 'invalid',
      reason: REASONS.MPP_METHOD_UNSUPPORTED,
    });
  });

  it('leaves a Bearer token alone, and the token checker leaves a Payment credential alone', () => {
    expect(extractProof({ authorization: 'Bearer eyJhbGciOi.x.y' }, registry)).toEqual({ kind: 'none' });
    expect(tokenCandidates({ authorization: credential() }, '/premium')).toEqual([]);
    expect(tokenCandidates({ authorization: 'Bearer eyJ.a.b' }, '/premium')).toEqual([
      { source: 'bearer', token: 'eyJ.a.b' },
    ]);
  });

  it("turns the portal's receipt into Payment-Receipt (base64url JSON), and nothing else into one", () => {
    const proof = (mppDialect.extract({ authorization: credential() }, registry) as { proof: SettleProof })
      .proof;
    const receipt = {
      method: 'evm',
      challengeId: 'an-id',
      reference: `0x${'ab'.repeat(32)}`,
      status: 'success',
      timestamp: '2026-12-07T05:00:00Z',
    };
    const headers = mppDialect.receiptHeaders!(proof, { ok: true, token: 't', claims: {}, receipt });
    expect(JSON.parse(Buffer.from(headers['payment-receipt']!, 'base64url').toString('utf8'))).toEqual(
      receipt,
    );
    expect(mppDialect.receiptHeaders!(proof, { ok: true, token: 't', claims: {} })).toEqual({});
  });
});
