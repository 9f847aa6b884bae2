import {
  canonicalBase64url,
  checksumEvmAddress,
  EVM_NATIVE_CURRENCY,
  MPP_CHARGE_INTENT,
  MPP_METHODS,
  mppChallengeId,
  paymentChallenge,
  type ChallengeOffer,
  type NetworkRegistry,
  type PriceOffer,
  type SolanaNetwork,
} from '@turnpike/protocol';

/** One MPP challenge of a resource, as far as it is the same for every 402 of it. */
type ChallengeSpec =
  /** evm `authorization`: EIP-3009 to the portal's x402 address, settled by its relayer/facilitator. */
  | { kind: 'authorization'; request: string }
  /** evm `hash` / solana `signature`: a pushed transfer to this 402's own address or reference. */
  | { kind: 'push'; method: string; request: (payTo: PushTargets) => string | undefined };

/** Where this 402's pushed transfers go: its sealed challenge's address and Solana reference. */
export interface PushTargets {
  evmPayTo?: string | undefined;
  reference?: string | undefined;
  /** The Solana wallet every Solana offer pays. */
  solanaWallet?: string | undefined;
}

/** A resource's MPP challenges, prepared once per payment request and payee. */
export interface MppPlan {
  specs: readonly ChallengeSpec[];
}

/**
 * Plans the `WWW-Authenticate: Payment` challenges of a resource: one evm `charge` with
 * `credentialTypes: ["authorization"]` per ERC-20 offer x402 can settle (listed first: the
 * unmodified mppx client takes the first `evm/charge` challenge it is given and signs only
 * `authorization`), then one `hash` challenge per EVM offer payable by transaction (ERC-20 and
 * native coin, the latter Turnpike's extension with `currency` = EIP-7528's native address), then
 * one solana `charge` (push `signature`) per Solana offer.
 */
export function planMppChallenges(
  x402Offers: readonly ChallengeOffer[],
  txOffers: readonly PriceOffer[],
  registry: NetworkRegistry,
): MppPlan {
  const specs: ChallengeSpec[] = [];
  for (const o of x402Offers) {
    const network = registry.get(o.network);
    if (network?.kind !== 'evm' || o.asset.address === undefined) continue;
    specs.push({
      kind: 'authorization',
      request: canonicalBase64url({
        amount: o.atomic,
        currency: checksumEvmAddress(o.asset.address) ?? o.asset.address,
        recipient: o.payTo,
        methodDetails: {
          chainId: network.chainId,
          credentialTypes: ['authorization'],
          decimals: o.asset.decimals,
        },
      }),
    });
  }
  for (const o of txOffers) {
    const network = registry.get(o.network);
    if (network?.kind === 'evm') {
      const currency = o.asset.kind === 'erc20' ? o.asset.address : EVM_NATIVE_CURRENCY;
      const fixed = {
        amount: o.atomic.toString(),
        currency,
        methodDetails: { chainId: network.chainId, credentialTypes: ['hash'], decimals: o.asset.decimals },
      };
      specs.push({
        kind: 'push',
        method: MPP_METHODS.evm,
        request: (t) =>
          t.evmPayTo === undefined ? undefined : canonicalBase64url({ ...fixed, recipient: t.evmPayTo }),
      });
    } else if (network?.kind === 'solana') {
      const currency = o.asset.kind === 'spl' ? o.asset.mint : 'sol';
      const decimals = o.asset.kind === 'spl' ? { decimals: o.asset.decimals } : {};
      const cluster = solanaCluster(network);
      specs.push({
        kind: 'push',
        method: MPP_METHODS.solana,
        request: (t) =>
          t.reference === undefined || t.reference === '' || t.solanaWallet === undefined
            ? undefined
            : canonicalBase64url({
                amount: o.atomic.toString(),
                currency,
                recipient: t.solanaWallet,
                methodDetails: { network: cluster, ...decimals, reference: t.reference },
              }),
      });
    }
  }
  return { specs };
}

/** What differs between two 402s of one resource. */
export interface MppFill extends PushTargets {
  key: Buffer;
  /** The protection space: the host the client asked. */
  realm: string;
  /** The token scope the challenges buy (in `opaque`, so a credential opens only that). */
  resource: string;
  /** RFC 3339, when the challenges stop being payable. */
  expires: string;
  /** The sealed API challenge this 402 carries (absent: no pushed-transfer challenges). */
  sealed?: string | undefined;
}

/**
 * The `WWW-Authenticate` value: every challenge of the plan, comma-separated in one field (RFC
 * 9110 §11.6.1 allows several challenges per field; one field keeps every gateway's header
 * handling simple). Each id is the draft's HMAC over the challenge's parameters. Undefined when
 * the plan has nothing payable in this 402.
 */
export function mppWwwAuthenticate(plan: MppPlan, f: MppFill): string | undefined {
  if (plan.specs.length === 0) return undefined;
  const out: string[] = [];
  const resourceOpaque = canonicalBase64url({ r: f.resource });
  const pushOpaque = f.sealed === undefined ? undefined : canonicalBase64url({ c: f.sealed, r: f.resource });
  for (const spec of plan.specs) {
    let method: string;
    let request: string | undefined;
    let opaque: string;
    if (spec.kind === 'authorization') {
      method = MPP_METHODS.evm;
      request = spec.request;
      opaque = resourceOpaque;
    } else {
      if (pushOpaque === undefined) continue;
      method = spec.method;
      request = spec.request(f);
      opaque = pushOpaque;
    }
    if (request === undefined) continue;
    const params = { realm: f.realm, method, intent: MPP_CHARGE_INTENT, request, expires: f.expires, opaque };
    out.push(
      paymentChallenge([
        ['id', mppChallengeId(f.key, params)],
        ['realm', params.realm],
        ['method', method],
        ['intent', MPP_CHARGE_INTENT],
        ['request', request],
        ['expires', params.expires],
        ['opaque', opaque],
      ]),
    );
  }
  return out.length === 0 ? undefined : out.join(', ');
}

/** An RFC 3339 time without milliseconds. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const MAINNET = 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp';
const DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1';

/** The solana method's `network` (cluster) of a Solana network in the registry. */
function solanaCluster(n: SolanaNetwork): 'mainnet' | 'devnet' | 'localnet' {
  return n.caip2 === MAINNET ? 'mainnet' : n.caip2 === DEVNET ? 'devnet' : 'localnet';
}
