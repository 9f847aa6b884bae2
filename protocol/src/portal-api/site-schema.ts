import { z } from 'zod';
import { payeeResponseSchema } from './schemas.js';

/** A site id, as `invoices.site_id` checks it. */
export const SITE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** The config-file site: the zero-setup default, owner of every host no other enabled site claims. */
export const DEFAULT_SITE_ID = 'default';

/**
 * A host pattern: `example.com`, `*.example.com` (any subdomain depth, not the apex), optionally
 * `:port` (then only that port). Lower case, the way the authorizer compares hosts.
 */
export const SITE_HOST_PATTERN =
  /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[0-9]{1,5})?$/;

const colour = z.string().regex(/^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/, 'a #rgb or #rrggbb colour');
const httpsUrl = z
  .string()
  .max(2048)
  .regex(/^https:\/\/[^\s"'<>]+$/, 'an https:// URL');

const walletsSchema = z.strictObject({
  /** Account-level EVM extended public key (watch-only). */
  evm: z
    .strictObject({ xpub: z.string().regex(/^[xt]pub[1-9A-HJ-NP-Za-km-z]{100,120}$/, 'an xpub') })
    .optional(),
  /** The owner's Solana wallet (base58 public key). */
  solana: z
    .strictObject({ address: z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/, 'a base58 public key') })
    .optional(),
});

const brandingSchema = z.strictObject({
  name: z.string().min(1).max(120).optional(),
  logoUrl: httpsUrl.optional(),
  colors: z.strictObject({ accent: colour.optional(), background: colour.optional() }).optional(),
  /** Pay-page defaults when a declaration has no `customization`. */
  customization: z
    .strictObject({ css: httpsUrl.optional(), js: httpsUrl.optional(), image: httpsUrl.optional() })
    .optional(),
});

const limitsSchema = z.strictObject({
  invoicesPerMinutePerIp: z.number().int().min(1).max(100_000).optional(),
});

/** Every field of a site but its id, without defaults (a patch must not reset what it leaves out). */
const siteFields = {
  hosts: z
    .array(z.string().regex(SITE_HOST_PATTERN, 'a lower-case host, *.host, optionally :port'))
    .min(1)
    .max(64)
    .refine((h) => new Set(h).size === h.length, 'host patterns must be unique'),
  /** Where the authorizer probes the site's declarations (`x-402-request`); absent = its own `upstreams`. */
  upstream: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
  wallets: walletsSchema,
  /** Allow-list of networks and asset symbols this site's 402s offer (absent: whatever is declared). */
  accept: z
    .strictObject({
      networks: z.array(z.string().min(1).max(64)).min(1).max(64).optional(),
      assets: z.array(z.string().min(1).max(32)).min(1).max(64).optional(),
    })
    .optional(),
  branding: brandingSchema,
  /** Token lifetime of this site's declarations without `exp`. */
  tokenLifetimeMs: z
    .number()
    .int()
    .min(1_000)
    .max(366 * 24 * 3600 * 1000)
    .optional(),
  limits: limitsSchema,
  enabled: z.boolean(),
};

/** What an operator may set on a site (admin API `POST`; every field but `id` and `hosts` optional). */
export const siteInputSchema = z.strictObject({
  id: z
    .string()
    .regex(SITE_ID_PATTERN, 'lower-case letters, digits and "-", at most 63, not starting with "-"'),
  ...siteFields,
  wallets: walletsSchema.default({}),
  branding: brandingSchema.default({}),
  limits: limitsSchema.default({}),
  enabled: z.boolean().default(true),
});

/** `PATCH`: any field but `id`, nothing defaulted; the merged result is validated whole again. */
export const sitePatchSchema = z.strictObject(siteFields).partial();

/** A site as stored and as the admin API returns it. */
export const siteSchema = siteInputSchema.extend({
  /** Moves on every change. */
  version: z.number().int().positive(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});

/**
 * One site as the authorizer needs it (`GET /internal/v1/sites`): its hosts, where to probe, how to
 * price, and what its 402s are paid with (the portal derives the payee from the site's wallets; the
 * xpub itself stays in the portal).
 */
export const authzSiteSchema = z.strictObject({
  id: z.string().regex(SITE_ID_PATTERN),
  /** Empty for `default` (it owns every host no other enabled site claims). */
  hosts: z.array(z.string().regex(SITE_HOST_PATTERN)).max(64),
  upstream: z.string().optional(),
  accept: siteInputSchema.shape.accept,
  tokenLifetimeMs: z.number().int().positive().optional(),
  payee: payeeResponseSchema,
});

/** The enabled sites, `default` first, and the version that names this list (an ETag). */
export const sitesResponseSchema = z.strictObject({
  version: z.string().min(1).max(200),
  sites: z.array(authzSiteSchema).min(1),
});

export type SiteInput = z.input<typeof siteInputSchema>;
export type SiteDefinition = z.output<typeof siteInputSchema>;
export type SitePatch = z.output<typeof sitePatchSchema>;
export type Site = z.output<typeof siteSchema>;
export type AuthzSite = z.output<typeof authzSiteSchema>;
export type SitesResponse = z.output<typeof sitesResponseSchema>;
