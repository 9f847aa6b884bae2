import { base58 } from '@scure/base';
import {
  DEFAULT_SITE_ID,
  newChallengeId,
  randomPoolBytes,
  sealJson,
  type ChallengeOffer,
  type ChallengeOfferClaim,
  type NetworkRegistry,
  type PriceOffer,
} from '@turnpike/protocol';
import type { ResolvedRequirement } from '../core/types.js';
import type { PayeeResponse } from '../portal/client.js';
import type { AddressSource, ChallengeAddress } from './address-source.js';

/** What a resource's challenges offer, given what the portal can be paid with. */
export interface ChallengePlan {
  /** The offers payable by transaction: on a network the portal verifies, to a wallet it has. */
  payable: PriceOffer[];
  /** Whether a challenge needs an EVM receive address (one for all its EVM offers). */
  evm: boolean;
  /** Whether it needs a Solana Pay reference key (one for all its Solana offers). */
  solana: boolean;
  /** The seal's offer claims (network, asset, atomic amount), the same for every challenge. */
  claims: ChallengeOfferClaim[];
  /** `"o":[…]`, those claims as the seal's JSON carries them: serialised once, not per 402. */
  claimsJson: string;
  /** The seal's `"h":…,"s":…,"r":…,"u":…` of the last target sealed (the next is the same, mostly). */
  target?: { host: string; scheme: string; resource: string; originalUri: string; json: string };
}

/** The plan of `request`'s challenges, or undefined when no offer is payable by transaction. */
export function planChallenge(
  request: ResolvedRequirement['request'],
  payee: PayeeResponse,
  registry: NetworkRegistry,
): ChallengePlan | undefined {
  const payable = request.offers.filter((o) => {
    // An owner's fixed wallet binds no payment to a challenge: only unbound routes take those.
    if (o.address !== undefined || !payee.txNetworks.includes(o.network)) return false;
    const kind = registry.get(o.network)?.kind;
    return kind === 'evm' ? payee.evm !== undefined : kind === 'solana' && payee.solana !== undefined;
  });
  if (payable.length === 0) return undefined;
  const claims = payable.map(offerClaim);
  return {
    payable,
    evm: payable.some((o) => registry.get(o.network)?.kind === 'evm'),
    solana: payable.some((o) => registry.get(o.network)?.kind === 'solana'),
    claims,
    claimsJson: `"o":${JSON.stringify(claims)}`,
  };
}

/** One challenge, sealed: the id the client echoes back, and what its offers pay to. */
export interface SealedChallenge {
  /** `paymentDetails.challengeId`, echoed back in `x-payment-challenge`. */
  id: string;
  expiresAt: Date;
  /** The EVM receive address (EIP-55), when the plan has EVM offers. */
  evmPayTo?: string;
  /** The Solana Pay reference key, when the plan has Solana offers. */
  reference?: string;
}

/**
 * Seals a new challenge for `r` without writing anything: a fresh receive address from the leased
 * buffer for all EVM offers (its derivation index goes into the seal, so the portal re-derives
 * it), one random Solana Pay reference for all Solana offers, the amounts, the resource and the
 * window in which a transfer counts — sealed with the key the portal shares.
 */
export function sealNewChallenge(
  r: ResolvedRequirement,
  plan: ChallengePlan,
  deps: { key: Buffer; payee: PayeeResponse; now?: () => number },
  evm: ChallengeAddress | undefined,
): SealedChallenge {
  if (plan.evm && evm === undefined) throw new TypeError('an EVM challenge needs a receive address');
  const reference = plan.solana ? base58.encode(randomPoolBytes(32)) : undefined;
  const nowSeconds = Math.floor((deps.now ?? Date.now)() / 1000);
  const exp = nowSeconds + deps.payee.challengeTtlSeconds;
  // The JSON of ChallengeClaims, in its key order, from the fragments the plan keeps: building and
  // serialising the object per 402 cost more than its MAC (bench/402). `challenge-json.test.ts`
  // holds it equal to JSON.stringify of the claims.
  let json = `{"v":1,"id":"${newChallengeId()}","iat":${nowSeconds},"exp":${exp},${targetJson(plan, r)},${plan.claimsJson}`;
  if (plan.evm && evm !== undefined)
    json += `,"w":${JSON.stringify(evm.walletId)},"i":${evm.index},"p":"${evm.address.toLowerCase()}"`;
  if (reference !== undefined) json += `,"k":"${reference}"`;
  if (r.site !== undefined && r.site !== DEFAULT_SITE_ID) json += `,"st":${JSON.stringify(r.site)}`;
  json += '}';
  return {
    id: sealJson(deps.key, json),
    expiresAt: new Date(exp * 1000),
    ...(plan.evm && evm !== undefined ? { evmPayTo: evm.address } : {}),
    ...(reference === undefined ? {} : { reference }),
  };
}

/** `"h":…,"s":…,"r":…,"u":…` of the seal of `r`, from the plan's memo when it is its last target. */
function targetJson(plan: ChallengePlan, r: ResolvedRequirement): string {
  const resource = r.request.claims.resource ?? r.path;
  const known = plan.target;
  if (
    known !== undefined &&
    known.originalUri === r.originalUri &&
    known.resource === resource &&
    known.host === r.host &&
    known.scheme === r.scheme
  )
    return known.json;
  const json = `"h":${JSON.stringify(r.host)},"s":${JSON.stringify(r.scheme)},"r":${JSON.stringify(resource)},"u":${JSON.stringify(r.originalUri)}`;
  plan.target = { host: r.host, scheme: r.scheme, resource, originalUri: r.originalUri, json };
  return json;
}

/** The offers of a challenge as the 402 lists them, paying `payTo`. */
export function challengeOffers(
  plan: ChallengePlan,
  registry: NetworkRegistry,
  payTo: { evm?: string | undefined; solanaWallet?: string | undefined; reference?: string | undefined },
): ChallengeOffer[] {
  return plan.payable.map((o): ChallengeOffer => {
    const network = registry.require(o.network);
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
      payTo: (solana ? payTo.solanaWallet : payTo.evm) ?? '',
      ...(solana ? { reference: payTo.reference ?? '' } : {}),
    };
  });
}

/** A sealed challenge with its offers. */
export interface MintedChallenge {
  id: string;
  expiresAt: Date;
  offers: ChallengeOffer[];
}

/**
 * Plans, seals and lists a challenge in one call, waiting for a leased address when the buffer is
 * empty (suites and benches; the 402 itself uses the steps above, without waiting when it can).
 * Undefined when no offer is payable by transaction.
 */
export async function mintChallenge(
  r: ResolvedRequirement,
  deps: {
    key: Buffer;
    registry: NetworkRegistry;
    payee: PayeeResponse;
    addresses: Pick<AddressSource, 'next'>;
    now?: () => number;
  },
): Promise<MintedChallenge | undefined> {
  const plan = planChallenge(r.request, deps.payee, deps.registry);
  if (plan === undefined) return undefined;
  const evm = plan.evm ? await deps.addresses.next() : undefined;
  const sealed = sealNewChallenge(r, plan, deps, evm);
  return {
    id: sealed.id,
    expiresAt: sealed.expiresAt,
    offers: challengeOffers(plan, deps.registry, {
      evm: sealed.evmPayTo,
      solanaWallet: deps.payee.solana?.wallet,
      reference: sealed.reference,
    }),
  };
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
