import {
  DEFAULT_SITE_ID,
  type NetworkRegistry,
  type PayeeResponse,
  type Reason,
  type SettleResponse,
} from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import type { XpubDeriver } from '../addresses/xpub-deriver.js';
import type { PortalContext } from '../context.js';
import type { PortalEvents } from '../events/portal-events.js';
import type { Database } from '../storage/index.js';
import type { SigningKeySet } from '../tokens/signing-keys.js';

/** What the proof verifiers use of the portal (a narrower PortalContext, so tests build it directly). */
export interface ProofContext {
  db: Database;
  registry: NetworkRegistry;
  keys: SigningKeySet;
  issuer: string;
  /** Opens the sealed API challenges a transaction-hash proof names (SealKeys.challenge). */
  challengeKey: Buffer;
  /** Derives challenge addresses from the EVM xpub (absent: no EVM wallet configured). */
  deriver: XpubDeriver | undefined;
  /** What this portal is paid with: the Solana wallet, the x402 address. */
  payee: PayeeResponse;
  /** The site owning the proof's host (docs/sites.md); deriver and payee are its wallets'. Absent = `default`. */
  siteId?: string;
  rpcUrls: ReadonlyMap<string, readonly string[]>;
  /** Per-call RPC timeout on a network. */
  rpcTimeoutMs(network: string): number;
  logger: Logger;
  /** Counted per refusal reason and per token issued, when the portal has metrics. */
  onRefusal?: (reason: Reason) => void;
  onTokenIssued?: () => void;
  /** Event lines and revenue metrics of credits and tokens, when the portal writes them. */
  events?: PortalEvents;
  now?: () => number;
}

const DEFAULT_RPC_TIMEOUT_MS = 5_000;

/**
 * The ProofContext of a running portal, for a proof about `host`: the wallets of the site owning
 * it (without a host, `default`'s), so a site's proofs are checked against its own wallets.
 */
export function proofContextFrom(ctx: PortalContext, host?: string): ProofContext {
  const site = host === undefined ? undefined : ctx.sites.resolve(host);
  return {
    db: ctx.db,
    registry: ctx.registry,
    keys: ctx.keys,
    issuer: ctx.config.issuer,
    challengeKey: ctx.sealKeys.challenge,
    deriver: site === undefined ? ctx.deriver : site.deriver,
    payee: site === undefined ? ctx.payee : site.payee,
    siteId: site?.id ?? DEFAULT_SITE_ID,
    rpcUrls: ctx.rpcUrls,
    rpcTimeoutMs: (network) => ctx.config.watchers[network]?.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS,
    logger: ctx.logger,
    onRefusal: (reason) => ctx.metrics.refusals.inc({ reason }),
    onTokenIssued: () => ctx.metrics.tokensIssued.inc(),
    events: ctx.events,
  };
}

/** A refusal with its stable reason; thrown inside the verifiers, turned into a SettleResponse at the edge. */
export class ProofRefusal extends Error {
  readonly code: Reason;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: Reason, message: string, opts: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProofRefusal';
    this.code = code;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

/** The SettleResponse of a refusal. */
export function refusalResponse(r: ProofRefusal): SettleResponse {
  return {
    ok: false,
    reason: r.code,
    message: r.message,
    ...(r.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: r.retryAfterSeconds }),
  };
}
