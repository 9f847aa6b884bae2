import {
  authParam,
  canonicalJson,
  checksumEvmAddress,
  EVM_NATIVE_CURRENCY,
  MPP_CHARGE_INTENT,
  MPP_METHODS,
  mppChallengeId,
  mppPushChallengeId,
  type ChallengeOffer,
  type NetworkRegistry,
  type PriceOffer,
  type SolanaNetwork,
} from '@turnpike/protocol';

/**
 * A `request` JSON (JCS) with one hole, split around it: built once per resource by the canonical
 * serialiser, filled per 402 by concatenation (sorting keys on every 402 cost more than the rest).
 */
interface RequestTemplate {
  before: string;
  after: string;
}

/** One MPP challenge of a resource, as far as it is the same for every 402 of it. */
type ChallengeSpec =
  /** evm `authorization`: EIP-3009 to the portal's x402 address, settled by its relayer/facilitator. */
  | { kind: 'authorization'; request: string; memo?: AuthorizationMemo }
  /** evm `hash`: a pushed transfer to this 402's own receive address (the hole). */
  | { kind: 'evm-push'; request: RequestTemplate }
  /** solana `signature`: a pushed transfer carrying this 402's reference key (the hole). */
  | { kind: 'solana-push'; fixed: Record<string, unknown>; cluster: string; decimals: number | undefined };

/**
 * The last `authorization` challenge of a spec: it differs between two 402s of a resource only by
 * its `expires` (whole seconds), so a busy resource computes its HMAC once a second, not per 402.
 */
interface AuthorizationMemo {
  key: Buffer;
  realm: string;
  resource: string;
  expires: string;
  challenge: string;
}

/** What a 402's challenges share for one realm and resource, kept for the next 402 (the same, mostly). */
interface TargetMemo {
  realm: string;
  resource: string;
  /** `realm="…"`, undefined when a header cannot carry the realm. */
  realmParam: string | undefined;
  resourceJson: string;
  resourceOpaque: string;
}

/** A resource's MPP challenges, prepared once per payment request and payee. */
export interface MppPlan {
  specs: readonly ChallengeSpec[];
  target?: TargetMemo;
}

const HOLE = '@@turnpike-mpp-recipient@@';
const NON_ASCII = /[\u0080-\uffff]/;

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
      request: base64url(
        canonicalJson({
          amount: o.atomic,
          currency: checksumEvmAddress(o.asset.address) ?? o.asset.address,
          recipient: o.payTo,
          methodDetails: {
            chainId: network.chainId,
            credentialTypes: ['authorization'],
            decimals: o.asset.decimals,
          },
        }),
      ),
    });
  }
  for (const o of txOffers) {
    const network = registry.get(o.network);
    if (network?.kind === 'evm') {
      specs.push({
        kind: 'evm-push',
        request: template({
          amount: o.atomic.toString(),
          currency: o.asset.kind === 'erc20' ? o.asset.address : EVM_NATIVE_CURRENCY,
          methodDetails: { chainId: network.chainId, credentialTypes: ['hash'], decimals: o.asset.decimals },
          recipient: HOLE,
        }),
      });
    } else if (network?.kind === 'solana') {
      specs.push({
        kind: 'solana-push',
        fixed: { amount: o.atomic.toString(), currency: o.asset.kind === 'spl' ? o.asset.mint : 'sol' },
        cluster: solanaCluster(network),
        decimals: o.asset.kind === 'spl' ? o.asset.decimals : undefined,
      });
    }
  }
  return { specs };
}

/** What differs between two 402s of one resource. */
export interface MppFill {
  key: Buffer;
  /** The protection space: the host the client asked. */
  realm: string;
  /** The token scope the challenges buy (in `opaque`, so a credential opens only that). */
  resource: string;
  /** RFC 3339, when the challenges stop being payable. */
  expires: string;
  /** The sealed API challenge this 402 carries (absent: no pushed-transfer challenges). */
  sealed?: string | undefined;
  /** Where this 402's pushed transfers go: its sealed challenge's address and Solana reference. */
  evmPayTo?: string | undefined;
  reference?: string | undefined;
  /** The Solana wallet every Solana offer pays. */
  solanaWallet?: string | undefined;
  /**
   * The client's `Accept-Payment`, as a weight per method/intent: challenges weighing 0 are left
   * out and the rest ordered by weight (stable); ignored when it would leave none.
   */
  weigh?: ((method: string, intent: string) => number) | undefined;
}

/**
 * The `WWW-Authenticate` value: every challenge of the plan, comma-separated in one field (RFC
 * 9110 §11.6.1 allows several challenges per field; one field keeps every gateway's and
 * transport's header handling as it is). An `authorization` challenge's id is the draft's HMAC over
 * its parameters; a push challenge's is the tag of the seal it carries and its index
 * (mppPushChallengeId). Undefined when nothing is payable in this 402.
 */
export function mppWwwAuthenticate(plan: MppPlan, f: MppFill): string | undefined {
  if (plan.specs.length === 0) return undefined;
  const target = targetOf(plan, f.realm, f.resource);
  const realm = target.realmParam;
  // A host a header cannot quote (the authorizer refuses those earlier): no MPP challenge rather
  // than no 402.
  if (realm === undefined) return undefined;
  const resourceOpaque = target.resourceOpaque;
  const pushOpaque =
    f.sealed === undefined ? undefined : base64url(`{"c":"${f.sealed}","r":${target.resourceJson}}`);
  const out: Array<{ challenge: string; q: number }> = [];
  let pushes = 0;
  for (const spec of plan.specs) {
    let method: string = MPP_METHODS.evm;
    let request: string;
    let opaque = resourceOpaque;
    if (spec.kind === 'authorization') {
      const memo = spec.memo;
      if (
        memo !== undefined &&
        memo.expires === f.expires &&
        memo.realm === f.realm &&
        memo.resource === f.resource &&
        memo.key === f.key
      ) {
        out.push({ challenge: memo.challenge, q: weightOf(f, method) });
        continue;
      }
      request = spec.request;
    } else {
      if (pushOpaque === undefined) continue;
      opaque = pushOpaque;
      if (spec.kind === 'evm-push') {
        if (f.evmPayTo === undefined) continue;
        request = base64url(spec.request.before + f.evmPayTo + spec.request.after);
      } else {
        if (f.reference === undefined || f.reference === '' || f.solanaWallet === undefined) continue;
        method = MPP_METHODS.solana;
        request = base64url(
          canonicalJson({
            ...spec.fixed,
            recipient: f.solanaWallet,
            methodDetails: {
              network: spec.cluster,
              ...(spec.decimals === undefined ? {} : { decimals: spec.decimals }),
              reference: f.reference,
            },
          }),
        );
      }
    }
    // A push challenge's id is its seal's tag (mppPushChallengeId): no HMAC of its own per 402.
    const id =
      spec.kind === 'authorization' || f.sealed === undefined
        ? mppChallengeId(f.key, {
            realm: f.realm,
            method,
            intent: MPP_CHARGE_INTENT,
            request,
            expires: f.expires,
            opaque,
          })
        : mppPushChallengeId(f.sealed, pushes++);
    // Every value but the realm is base64url, a lower-case name or an RFC 3339 time: nothing to escape.
    const challenge = `Payment id="${id}", ${realm}, method="${method}", intent="${MPP_CHARGE_INTENT}", request="${request}", expires="${f.expires}", opaque="${opaque}"`;
    if (spec.kind === 'authorization')
      spec.memo = { key: f.key, realm: f.realm, resource: f.resource, expires: f.expires, challenge };
    out.push({ challenge, q: weightOf(f, method) });
  }
  // Without Accept-Payment every challenge weighs 1: the plan's order, nothing to sort.
  if (f.weigh === undefined) return out.length === 0 ? undefined : out.map((c) => c.challenge).join(', ');
  const wanted = out.filter((c) => c.q > 0).sort((a, b) => b.q - a.q);
  const chosen = wanted.length === 0 ? out : wanted;
  return chosen.length === 0 ? undefined : chosen.map((c) => c.challenge).join(', ');
}

function weightOf(f: MppFill, method: string): number {
  return f.weigh === undefined ? 1 : f.weigh(method, MPP_CHARGE_INTENT);
}

/** The realm parameter and `opaque` of a realm and resource, from the plan's memo when they are its last. */
function targetOf(plan: MppPlan, realm: string, resource: string): TargetMemo {
  const known = plan.target;
  if (known !== undefined && known.realm === realm && known.resource === resource) return known;
  let realmParam: string | undefined;
  try {
    realmParam = NON_ASCII.test(realm) ? undefined : authParam('realm', realm);
  } catch {
    realmParam = undefined;
  }
  // `opaque`: JCS by construction (keys in order; the sealed value is base64url, the path is
  // escaped by JSON.stringify).
  const resourceJson = JSON.stringify(resource);
  const target = {
    realm,
    resource,
    realmParam,
    resourceJson,
    resourceOpaque: base64url(`{"r":${resourceJson}}`),
  };
  plan.target = target;
  return target;
}

/** An RFC 3339 time without milliseconds. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Scratch space for base64url's UTF-8 bytes, reused (encoding is synchronous): no Buffer per value.
let scratch = Buffer.allocUnsafeSlow(4096);

function base64url(json: string): string {
  const room = 3 * json.length;
  if (scratch.length < room) scratch = Buffer.allocUnsafeSlow(Math.max(room, scratch.length * 2));
  return scratch.toString('base64url', 0, scratch.write(json, 0, 'utf8'));
}

function template(value: unknown): RequestTemplate {
  const [before, after] = canonicalJson(value).split(HOLE) as [string, string];
  return { before, after };
}

const MAINNET = 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp';
const DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1';

/** The solana method's `network` (cluster) of a Solana network in the registry. */
function solanaCluster(n: SolanaNetwork): 'mainnet' | 'devnet' | 'localnet' {
  return n.caip2 === MAINNET ? 'mainnet' : n.caip2 === DEVNET ? 'devnet' : 'localnet';
}
