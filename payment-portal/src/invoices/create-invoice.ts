import { randomBytes } from 'node:crypto';
import {
  DEFAULT_SITE_ID,
  paymentRequestDigest,
  toWire,
  type NetworkRegistry,
  type PaymentRequest,
} from '@turnpike/protocol';
import { AddressPoolExhaustedError, type AddressPool } from '../addresses/address-pool.js';
import { invoiceClaims, invoicePricing } from '../credits/invoice-pricing.js';
import { PortalError } from '../errors.js';
import { newSolanaReference } from '../proofs/solana/reference-key.js';
import { PORTAL_REASONS } from '../reasons.js';
import type { Database } from '../storage/index.js';
import { enforceClientRateLimit } from './client-rate-limit.js';
import { getInvoice } from './get-invoice.js';
import type { PaymentTarget } from './resolve-target.js';
import type { InvoiceRecord } from './types.js';

export interface CreateInvoiceDeps {
  db: Database;
  registry: NetworkRegistry;
  /** The EVM receive address pool; without it EVM offers cannot be served. */
  evmPool: AddressPool | undefined;
  /** The owner's Solana wallet (`wallets.solana.address`); without it Solana offers cannot be served. */
  solanaWallet?: string | undefined;
  /** Networks that have a running watcher: an offer elsewhere could never be seen paid. */
  watchedNetworks: ReadonlySet<string>;
  expiryMinutes: number;
  rateLimitPerMinutePerIp: number;
  /** The site the invoice belongs to (docs/sites.md); absent = `default`. */
  siteId?: string;
  /** The site's allow-list of networks and asset symbols (absent: every declared offer). */
  accept?: { networks?: readonly string[] | undefined; assets?: readonly string[] | undefined };
  /** The site's pay-page defaults, for a declaration without `customization`. */
  defaultCustomization?: { css?: string | undefined; js?: string | undefined; image?: string | undefined };
}

export { RateLimitedError } from './client-rate-limit.js';

/** A new invoice id: 128 random bits, base64url (22 characters). */
export function newInvoiceId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Creates an invoice for `request` bound to `target`, all in one transaction: an EVM offer gets a
 * unique receive address from the pool; a Solana offer is paid to the owner's wallet and gets a
 * unique Solana Pay reference key instead (docs/solana.md). The per-client limit is counted in the same
 * transaction from the invoices table, under a per-client lock, so it holds across replicas and
 * under parallel requests (enforceClientRateLimit).
 */
export async function createInvoice(
  deps: CreateInvoiceDeps,
  input: {
    target: PaymentTarget;
    request: PaymentRequest;
    clientIp: string | null;
    /** Who opens it: a person on the pay page, or a recorded API challenge (unbound-proof routes). */
    source: 'pay_page' | 'challenge';
    /** sha256 (hex) of the pay-page session secret the browser holds; /complete requires it. */
    sessionHash?: string;
  },
): Promise<InvoiceRecord> {
  const offers = input.request.offers.filter((o) => {
    if (!deps.watchedNetworks.has(o.network)) return false;
    if (deps.accept?.networks !== undefined && !deps.accept.networks.includes(o.network)) return false;
    if (deps.accept?.assets !== undefined && !deps.accept.assets.includes(o.asset.symbol)) return false;
    const kind = deps.registry.get(o.network)?.kind;
    return kind === 'evm' ? deps.evmPool !== undefined : kind === 'solana' && deps.solanaWallet !== undefined;
  });
  if (offers.length === 0)
    throw new PortalError(PORTAL_REASONS.OFFER_UNSUPPORTED, 422, 'no offer can be paid through this portal');

  const attempt = async (): Promise<string> => {
    const id = newInvoiceId();
    await deps.db.transaction(async (tx) => {
      if (input.clientIp !== null)
        await enforceClientRateLimit(tx, input.clientIp, deps.rateLimitPerMinutePerIp);
      const { target, request } = input;
      await tx.query(
        `INSERT INTO invoices (id, host, scheme, resource, original_uri, claims, token_lifetime_ms, request_digest,
                               description, expires_at, client_ip, customization, source, session_hash, site_id, pricing)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(mins => $10), $11, $12, $13, $14, $15, $16)`,
        [
          id,
          target.host,
          target.scheme,
          target.resource,
          target.originalUri,
          JSON.stringify(invoiceClaims(request.claims, toWire(request).metering)),
          request.tokenLifetimeMs,
          paymentRequestDigest(request),
          request.description ?? null,
          deps.expiryMinutes,
          input.clientIp,
          JSON.stringify(
            Object.keys(request.customization).length === 0 && deps.defaultCustomization !== undefined
              ? deps.defaultCustomization
              : request.customization,
          ),
          input.source,
          input.sessionHash ?? null,
          deps.siteId ?? DEFAULT_SITE_ID,
          invoicePricing(toWire(request).metering),
        ],
      );
      for (const offer of offers) {
        const solana = deps.registry.require(offer.network).kind === 'solana';
        const payTo = solana
          ? (deps.solanaWallet as string)
          : await (deps.evmPool as AddressPool).allocate(tx, id);
        const reference = solana ? newSolanaReference() : null;
        const assetAddress =
          offer.asset.kind === 'erc20'
            ? offer.asset.address.toLowerCase()
            : offer.asset.kind === 'spl'
              ? offer.asset.mint
              : null;
        await tx.query(
          `INSERT INTO invoice_offers (invoice_id, network, asset_symbol, asset_kind, asset_address, decimals, amount_atomic, pay_to, reference)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            id,
            offer.network,
            offer.asset.symbol,
            offer.asset.kind,
            assetAddress,
            offer.asset.decimals,
            offer.atomic.toString(),
            payTo,
            reference,
          ],
        );
      }
    });
    return id;
  };

  let id: string;
  try {
    id = await attempt();
  } catch (err) {
    if (!(err instanceof AddressPoolExhaustedError) || !deps.evmPool) throw err;
    await deps.evmPool.refill();
    id = await attempt();
  }
  deps.evmPool?.nudge();
  const invoice = await getInvoice(deps.db, id);
  if (!invoice) throw new Error('invoice vanished after creation');
  return invoice;
}
