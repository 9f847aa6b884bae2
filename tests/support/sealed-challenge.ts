/**
 * Mints sealed API challenges in-process, the way the authorizer's 402 does (its own
 * mintChallenge), over addresses leased from a portal database: for suites and benches that drive
 * the portal's verifiers without running the authorizer.
 */
import type {
  ChallengeClaims,
  NetworkRegistry,
  PayeeResponse,
  PaymentRequest,
  SealKeys,
} from '@turnpike/protocol';
import { mintChallenge } from '../../authz-service/src/challenges/mint-challenge.js';
import type { XpubDeriver } from '../../payment-portal/src/addresses/xpub-deriver.js';
import { leaseChallengeAddresses } from '../../payment-portal/src/challenges/lease-addresses.js';
import type { Database } from '../../payment-portal/src/storage/index.js';

export interface MintedTestChallenge {
  /** `paymentDetails.challengeId`, for `x-payment-challenge`. */
  id: string;
  claims: ChallengeClaims;
  /** The EVM receive address ('' when the request has no EVM offer). */
  payTo: string;
}

export type TestChallengeMinter = (
  request: PaymentRequest,
  target: { host: string; resource: string; now?: () => number },
) => Promise<MintedTestChallenge>;

export function createTestChallengeMinter(deps: {
  db: Database;
  deriver: XpubDeriver | undefined;
  sealKeys: SealKeys;
  registry: NetworkRegistry;
  payee: PayeeResponse;
}): TestChallengeMinter {
  const addresses = {
    take: () => undefined,
    size: () => 0,
    fill: async () => undefined,
    async next() {
      if (deps.deriver === undefined) throw new Error('no EVM wallet to lease challenge addresses from');
      const lease = await leaseChallengeAddresses(deps.db, deps.deriver, 1);
      return { walletId: lease.walletId, index: lease.first, address: lease.addresses[0]! };
    },
  };
  return async (request, target) => {
    const minted = await mintChallenge(
      {
        host: target.host,
        scheme: 'https',
        path: target.resource,
        query: '',
        originalUri: target.resource,
        request,
        source: 'upstream',
      },
      {
        key: deps.sealKeys.challenge,
        registry: deps.registry,
        payee: deps.payee,
        addresses,
        ...(target.now ? { now: target.now } : {}),
      },
    );
    if (minted === undefined) throw new Error('nothing in this request is payable by transaction');
    const claims = JSON.parse(
      Buffer.from(minted.id.split('.')[0]!, 'base64url').toString('utf8'),
    ) as ChallengeClaims;
    return { id: minted.id, claims, payTo: claims.p ?? '' };
  };
}
