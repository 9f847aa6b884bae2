/**
 * MPP `solana`/`charge` with a push `signature` credential, end to end below the authorizer: the
 * challenge as the authorizer's 402 builds it (its sealed challenge and reference key, the HMAC
 * id), parsed by mppx, paid with a real SPL transfer run by LiteSVM behind the JSON-RPC front,
 * echoed in a credential serialised by mppx, and verified by the portal's Solana verifier through
 * the MPP verifier. mppx 0.11.0 has no Solana client, so the credential is built here.
 */
import { Challenge, Credential } from 'mppx';
import {
  deriveSealKeys,
  mppSolanaChargeRequestSchema,
  parseMppCredential,
  paymentRequestFromJson,
  toWire,
  type SettleRequest,
} from '@turnpike/protocol';
import { planChallenge, sealNewChallenge } from '../../../authz-service/src/challenges/mint-challenge.js';
import type { ResolvedRequirement } from '../../../authz-service/src/core/types.js';
import {
  mppWwwAuthenticate,
  planMppChallenges,
  rfc3339,
} from '../../../authz-service/src/render/mpp-challenges.js';
import type { ProofContext } from '../../src/proofs/context.js';
import { creditMppSignature } from '../../src/proofs/mpp/credit-pushed.js';
import { decodeJson, openCredential } from '../../src/proofs/mpp/open-credential.js';
import { verifySolanaTxProof } from '../../src/proofs/solana/index.js';
import { NETWORK, startSolanaFixture, type SolanaFixture } from './solana-fixture.js';

const SECRET = 'solana-tests-internal-secret';

describe('MPP solana charge (push signature)', () => {
  let f: SolanaFixture;
  beforeAll(async () => {
    f = await startSolanaFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  /** A 402's solana challenge for /premium, as the authorizer builds it, parsed by mppx. */
  function quote(resource = '/premium') {
    const request = paymentRequestFromJson(
      {
        claims: { tier: 'gold' },
        exp: 600_000,
        payment: { requests: [{ network: NETWORK, amount: '1.5', asset: 'USDC' }] },
      },
      f.registry,
    );
    const payee = { txNetworks: [NETWORK], solana: { wallet: f.merchant }, challengeTtlSeconds: 600 };
    const plan = planChallenge(request, payee, f.registry)!;
    const r: ResolvedRequirement = {
      host: 'shop.test',
      scheme: 'https',
      path: resource,
      query: '',
      originalUri: resource,
      request,
      source: 'route',
    };
    const sealed = sealNewChallenge(r, plan, { key: f.deps.challengeKey, payee }, undefined);
    const header = mppWwwAuthenticate(planMppChallenges([], plan.payable, f.registry), {
      key: deriveSealKeys(SECRET).mpp,
      realm: 'shop.test',
      resource,
      expires: rfc3339(sealed.expiresAt),
      sealed: sealed.id,
      reference: sealed.reference,
      solanaWallet: f.merchant,
    })!;
    const challenge = Challenge.deserialize(header);
    return { challenge, reference: sealed.reference!, wire: toWire(request) };
  }

  function settle(
    q: ReturnType<typeof quote>,
    signature: string,
  ): SettleRequest & { proof: { type: 'mpp' } } {
    const credential = parseMppCredential(
      Credential.serialize(
        Credential.from({ challenge: q.challenge, payload: { type: 'signature', signature } }),
      ),
    );
    return {
      host: 'shop.test',
      scheme: 'https',
      resource: '/premium',
      originalUri: '/premium',
      request: q.wire,
      proof: { type: 'mpp', credential },
    };
  }

  const pctx = () =>
    ({ db: f.db, registry: f.registry, challengeKey: f.deps.challengeKey }) as unknown as ProofContext;

  function verify(request: SettleRequest & { proof: { type: 'mpp' } }) {
    const opened = openCredential(deriveSealKeys(SECRET).mpp, request, request.proof.credential);
    const charge = decodeJson(request.proof.credential.challenge.request, mppSolanaChargeRequestSchema)!;
    return creditMppSignature(request, opened, charge, pctx(), (r) => verifySolanaTxProof(f.deps, r));
  }

  it('offers the owner wallet, the mint and the 402 reference key; a transfer carrying it is credited once', async () => {
    const q = quote();
    expect(q.challenge).toMatchObject({ method: 'solana', intent: 'charge', realm: 'shop.test' });
    expect(q.challenge.request).toEqual({
      amount: '1500000',
      currency: f.usdcMint,
      recipient: f.merchant,
      methodDetails: { network: 'localnet', decimals: 6, reference: q.reference },
    });
    const signature = await f.payUsdc(q.reference);
    const answer = await verify(settle(q, signature));
    expect(answer).toMatchObject({
      ok: true,
      receipt: { method: 'solana', reference: signature, status: 'success', challengeId: q.challenge.id },
    });
    await expect(verify(settle(q, signature))).rejects.toMatchObject({ code: 'mpp_credential_used' });
  });

  it('refuses a transfer without the reference, and a credential whose request was changed', async () => {
    const q = quote();
    const other = quote();
    const signature = await f.payUsdc(other.reference);
    const answer = await verify(settle(q, signature));
    expect(answer).toMatchObject({ ok: false, reason: 'payment_wrong_recipient' });

    const altered = settle(q, signature);
    altered.proof.credential.challenge.request = Buffer.from(
      JSON.stringify({ ...(q.challenge.request as object), amount: '1' }),
    ).toString('base64url');
    // The push challenge's id is its seal's tag: the altered amount is caught against the seal.
    await expect(Promise.resolve().then(() => verify(altered))).rejects.toMatchObject({
      code: 'mpp_challenge_invalid',
    });
  });
});
