import { randomBytes } from 'node:crypto';
import { base58 } from '@scure/base';
import {
  checksumEvmAddress,
  newChallengeId,
  sealChallenge,
  type ChallengeClaims,
  type ChallengeOffer,
  type ChallengeOfferClaim,
  type NetworkRegistry,
  type PriceOffer,
} from '@turnpike/protocol';
import type { ResolvedRequirement } from '../core/types.js';
import type { PayeeResponse } from '../portal/client.js';
import type { AddressSource } from './address-source.js';

/** A stateless API challenge: the sealed value the client echoes back, and what it offers. */
export interface MintedChallenge {
  /** `paymentDetails.challengeId`, echoed back in `x-payment-challenge`. */
  id: string;
  expiresAt: Date;
  /** The offers payable by transaction (one EVM address and one Solana reference per challenge). */
  offers: ChallengeOffer[];
}

export interface MintChallengeDeps {
  key: Buffer;
  registry: NetworkRegistry;
  payee: PayeeResponse;
  addresses: AddressSource;
  now?: () => number;
}

/**
 * Mints the challenge of an API 402 without writing anything: every offer the portal can verify a
 * transaction for, one fresh receive address from the leased buffer for all EVM offers (its
 * derivation index goes into the seal, so the portal re-derives it), one random Solana Pay
 * reference for all Solana offers, the amounts, the resource and the window in which a transfer
 * counts — sealed with the key the portal shares. Undefined when no offer is payable by transaction.
 */
export async function mintChallenge(
  r: ResolvedRequirement,
  deps: MintChallengeDeps,
): Promise<MintedChallenge | undefined> {
  const { payee } = deps;
  const payable = r.request.offers.filter((o) => {
    // An owner's fixed wallet binds no payment to a challenge: only unbound routes take those.
    if (o.address !== undefined || !payee.txNetworks.includes(o.network)) return false;
    const kind = deps.registry.get(o.network)?.kind;
    return kind === 'evm' ? payee.evm !== undefined : kind === 'solana' && payee.solana !== undefined;
  });
  if (payable.length === 0) return undefined;
  const evm = payable.some((o) => deps.registry.get(o.network)?.kind === 'evm')
    ? await deps.addresses.next()
    : undefined;
  const solanaWallet = payee.solana?.wallet;
  const reference = payable.some((o) => deps.registry.get(o.network)?.kind === 'solana')
    ? base58.encode(randomBytes(32))
    : undefined;
  const nowSeconds = Math.floor((deps.now ?? Date.now)() / 1000);
  const exp = nowSeconds + payee.challengeTtlSeconds;
  const claims: ChallengeClaims = {
    v: 1,
    id: newChallengeId(),
    iat: nowSeconds,
    exp,
    h: r.host,
    s: r.scheme,
    r: r.request.claims.resource ?? r.path,
    u: r.originalUri,
    o: payable.map(offerClaim),
    ...(evm === undefined ? {} : { w: evm.walletId, i: evm.index, p: evm.address }),
    ...(reference === undefined ? {} : { k: reference }),
  };
  const offers = payable.map((o): ChallengeOffer => {
    const network = deps.registry.require(o.network);
    const solana = network.kind === 'solana';
    return {
      network: o.network,
      caip2: network.caip2,
      asset: {
        symbol: o.asset.symbol,
        kind: o.asset.kind,
        decimals: o.asset.decimals,
        ...(o.asset.kind === 'erc20' ? { address: o.asset.address, eip712: o.asset.eip712 } : {}),
        ...(o.asset.kind === 'spl' ? { mint: o.asset.mint } : {}),
      },
      amount: o.amount,
      atomic: o.atomic.toString(),
      payTo: solana ? (solanaWallet as string) : checksummed((evm as { address: string }).address),
      ...(solana ? { reference: reference as string } : {}),
    };
  });
  return { id: sealChallenge(deps.key, claims), expiresAt: new Date(exp * 1000), offers };
}

function offerClaim(o: PriceOffer): ChallengeOfferClaim {
  const a =
    o.asset.kind === 'native'
      ? 'native'
      : o.asset.kind === 'erc20'
        ? o.asset.address.toLowerCase()
        : o.asset.mint;
  return { n: o.network, a, t: o.atomic.toString() };
}

/** EIP-55 form for clients that check it (the seal keeps the lower-case form). */
function checksummed(address: string): string {
  return checksumEvmAddress(address) ?? address;
}
