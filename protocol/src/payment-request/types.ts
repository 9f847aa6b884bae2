import type { Asset } from '../networks/types.js';
import type { FreeTier, Metering } from './pricing.js';

/** One accepted way to pay: `payment.requests[i]` of the wire format, resolved. */
export interface PriceOffer {
  /** Registry name, e.g. "base", "anvil". */
  network: string;
  /** Resolved; native when the wire omits `asset`. */
  asset: Asset;
  /** Canonical decimal in whole units ("1.5"). */
  amount: string;
  /** Exact atomic units. */
  atomic: bigint;
  /** A fixed receive address set by the owner (EVM: checksummed). */
  address?: string;
}

export interface PaymentCustomization {
  css?: string;
  js?: string;
  image?: string;
}

/** A parsed, validated payment requirement. */
export interface PaymentRequest {
  /** Required token claims (string values); may hold aud and resource. */
  claims: Record<string, string>;
  /** `exp` of the wire format: the token lifetime in milliseconds. */
  tokenLifetimeMs: number;
  description?: string;
  offers: PriceOffer[];
  /** http(s) URLs only. */
  customization: PaymentCustomization;
  /**
   * True when the resource accepts a transaction hash without the challenge it was quoted for
   * (`proofs.tx.unbound: "allow"`): anyone who sees the transfer on chain may present it first.
   */
  unboundTxProofs?: true;
  /**
   * What the resource is (x402 `resource.mimeType`): the declaration's `mimeType`, or `text/html`
   * for a page that declared itself in a `<meta>` tag. Authorizer-side only (not in the wire form).
   */
  mimeType?: string;
  /**
   * A JSON Schema of the resource's response (declaration `outputSchema`), for x402 `bazaar`
   * discovery and v1 `outputSchema`. Authorizer-side only (not in the wire form).
   */
  outputSchema?: Record<string, unknown>;
  /** `per-request` or `credits` (docs/credits.md); absent for `pass`, the default. */
  metering?: Metering;
  /** N free requests per payer per period before a 402. */
  freeTier?: FreeTier;
}
