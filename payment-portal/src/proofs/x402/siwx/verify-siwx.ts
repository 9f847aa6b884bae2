import {
  isOwnSiwxNonce,
  normalizePath,
  REASONS,
  siwxNonceKey,
  SIWX_CHALLENGE_TTL_MS,
  type SettleRequest,
  type SettleResponse,
  type SiwxProof,
} from '@turnpike/protocol';
import { parseSIWxHeader, verifySIWxSignature, type SIWxPayload } from '@x402/extensions/sign-in-with-x';
import { findPayerGrant } from '../../../ledger/index.js';
import { ProofRefusal, type ProofContext } from '../../context.js';
import { readsFor } from '../../evm/chain-reads.js';
import { grantResponse } from '../../grant-response.js';
import { checkSiwxTimes } from './check-times.js';
import { evmMessageVerifier } from './evm-message-verifier.js';

/**
 * x402 sign-in-with-x (CAIP-122): a client that already paid for this resource proves it holds the
 * paying address and gets the grant its payment bought — a token with the same jti and expiry —
 * without paying again. Checks, in order: the message's shape and chain (one this portal serves);
 * that its nonce is one the authorizer minted for exactly this domain, URI and validity window
 * (stateless: an HMAC, nothing was written by the 402) and that the domain and URI are this
 * request's; its times; the signature (EIP-191, ERC-1271 smart wallets, ed25519 on Solana); a paid,
 * unexpired grant of that address for this host, resource and claims; and last, the nonce's one use
 * (a row keyed by the nonce, shared by every replica) — written only for a payer who holds a grant,
 * so unpaid sign-ins write nothing.
 */
export async function verifySiwx(
  request: SettleRequest & { proof: SiwxProof },
  pctx: ProofContext,
): Promise<SettleResponse> {
  let payload: SIWxPayload;
  try {
    payload = parseSIWxHeader(request.proof.header.trim());
  } catch (err) {
    throw new ProofRefusal(REASONS.SIWX_INVALID, (err as Error).message);
  }
  const network = pctx.registry.byCaip2(payload.chainId);
  if (network === undefined || payload.version !== '1')
    throw new ProofRefusal(REASONS.SIWX_INVALID, `cannot sign in on ${payload.chainId} here`);
  const expectedType = network.kind === 'solana' ? 'ed25519' : 'eip191';
  if (payload.type !== expectedType)
    throw new ProofRefusal(REASONS.SIWX_INVALID, `${payload.chainId} signs in with ${expectedType}`);

  // The domain is the host the client addressed (with its port when it named one); the token's
  // host is the gateway's, without the port.
  const domainHost = payload.domain.replace(/:[0-9]{1,5}$/, '');
  const uri = `${request.scheme}://${payload.domain}${request.originalUri}`;
  if ((payload.domain !== request.host && domainHost !== request.host) || payload.uri !== uri)
    throw new ProofRefusal(
      REASONS.SIWX_CHALLENGE_INVALID,
      'the sign-in was issued for another host or resource',
    );
  const fields = {
    domain: payload.domain,
    uri: payload.uri,
    issuedAt: payload.issuedAt,
    expirationTime: payload.expirationTime ?? '',
  };
  if (!isOwnSiwxNonce(siwxNonceKey(pctx.challengeKey), payload.nonce, fields))
    throw new ProofRefusal(REASONS.SIWX_CHALLENGE_INVALID, 'the sign-in challenge was not issued here');
  checkSiwxTimes(payload, (pctx.now ?? Date.now)());

  const reads =
    network.kind === 'evm'
      ? readsFor(pctx.rpcUrls, network.name, pctx.rpcUrls.get(network.name), pctx.rpcTimeoutMs(network.name))
      : undefined;
  // The library turns a verifier's exception into a verdict: keep it, so an unreadable chain is
  // `chain_unavailable` (retry), not a bad signature.
  let unreadable: unknown;
  const verifyOnChain = evmMessageVerifier(reads);
  let verified: Awaited<ReturnType<typeof verifySIWxSignature>>;
  try {
    verified = await verifySIWxSignature(payload, {
      evmVerifier: (args) =>
        verifyOnChain(args).catch((err: unknown) => {
          unreadable = err;
          throw err;
        }),
    });
  } catch (err) {
    // The EIP-4361 message could not even be built from these fields (say, a malformed address).
    throw new ProofRefusal(REASONS.SIWX_INVALID, (err as Error).message);
  }
  if (unreadable !== undefined) throw unreadable;
  if (!verified.isValid) throw new ProofRefusal(REASONS.SIWX_SIGNATURE_INVALID, verified.invalidMessage);

  const payer = network.kind === 'evm' ? verified.payer.toLowerCase() : verified.payer;
  const grant = await findPayerGrant(pctx.db, {
    payer,
    host: request.host,
    resource: normalizePath(request.resource).path,
    claims: request.request.claims,
  });
  if (grant === null)
    throw new ProofRefusal(REASONS.SIWX_NOT_PAID, 'this address has no unexpired payment for this resource');

  const expiresAt = new Date(Date.parse(payload.expirationTime ?? payload.issuedAt) + SIWX_CHALLENGE_TTL_MS);
  const used = await pctx.db.query(
    `INSERT INTO siwx_nonces (nonce, address, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (nonce) DO NOTHING RETURNING nonce`,
    [payload.nonce, payer, expiresAt],
  );
  if (used.rows.length === 0)
    throw new ProofRefusal(REASONS.SIWX_NONCE_USED, 'this sign-in was already used');
  pctx.logger.debug({ network: network.name, invoice: grant.invoiceId }, 'returning payer signed in');
  return grantResponse(pctx, grant, undefined, 'siwx');
}
