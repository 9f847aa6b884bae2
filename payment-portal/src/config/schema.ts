import { networkOverridesSchema } from '@turnpike/protocol';
import {
  checkServerTimeouts,
  durationMsSchema,
  headersTimeoutMsSchema,
  internalSecretSchema,
  keepAliveTimeoutMsSchema,
  secretSourceSchema,
} from '@turnpike/protocol/service';
import { z } from 'zod';
import { proofsConfigSchema } from '../proofs/config.js';
import { isBase58OfLength } from '../proofs/solana/reference-key.js';

const hostSchema = z.string().min(1);
const portSchema = z.number().int().min(0).max(65_535);
const evmAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x-prefixed 20-byte address');

const listenerSchema = z.strictObject({ host: hostSchema, port: portSchema });

/** `watchers.<network>.lateGraceMs` when not set. */
export const DEFAULT_LATE_GRACE_MS = 86_400_000;

/** Chain watcher settings of one network (`watchers.<network>`). */
export const watcherConfigSchema = z.strictObject({
  /** Several URLs: failover in order when one times out, errors or answers garbage. */
  rpcUrls: z.array(z.url({ protocol: /^https?$/ })).min(1),
  pollIntervalMs: durationMsSchema.default(2_000),
  /** Overrides the network's confirmations (blocks on top of the including block). */
  confirmations: z.number().int().min(0).max(1_000).optional(),
  /** Most blocks scanned by one pass. */
  maxBlockRange: z.number().int().min(1).max(10_000).default(500),
  rpcTimeoutMs: durationMsSchema.default(5_000),
  /** Up to this many watched addresses go into one eth_getLogs topic OR-list; above it the token's
   * Transfer logs of the range are fetched once and filtered locally (constant calls per range). */
  topicOrListMax: z.number().int().min(1).max(10_000).default(1_000),
  /** Keep watching an expired invoice's addresses this long, so late payments are still credited. */
  lateGraceMs: durationMsSchema.default(DEFAULT_LATE_GRACE_MS),
  enabled: z.boolean().default(true),
});

const signingKeySchema = z.strictObject({
  kid: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'kid: 1–64 of [A-Za-z0-9._-]'),
  /** PKCS#8 PEM or a JWK (JSON) of a P-256 private key. */
  privateKey: secretSourceSchema,
  /** When the key was added; the newest signs, all are published. */
  createdAt: z.iso.datetime({ offset: true }).optional(),
});

/** The payment portal's configuration (see docs/configuration/payment-portal.md). */
export const portalConfigSchema = z.strictObject({
  listeners: z
    .strictObject({
      public: listenerSchema.default({ host: '127.0.0.1', port: 8402 }),
      internal: listenerSchema.default({ host: '127.0.0.1', port: 8403 }),
      internalToken: internalSecretSchema,
      /** Express `trust proxy`: which hops' X-Forwarded-* to believe (the gateway's). */
      trustProxy: z.union([z.boolean(), z.string(), z.number().int()]).default('loopback'),
      /** Both listeners: idle keep-alive connections outlive every shipped gateway's (docs/gateway-timeouts.md). */
      keepAliveTimeoutMs: keepAliveTimeoutMsSchema,
      headersTimeoutMs: headersTimeoutMsSchema,
    })
    .superRefine(checkServerTimeouts),
  database: z
    .strictObject({
      url: secretSourceSchema.optional(),
      dataDir: z.string().min(1).optional(),
      memory: z.boolean().optional(),
      poolSize: z.number().int().min(1).max(200).default(10),
    })
    .refine((d) => [d.url, d.dataDir, d.memory].filter((x) => x !== undefined && x !== false).length === 1, {
      message: 'give exactly one of url, dataDir or memory: true',
    }),
  /**
   * The operator's listener: the admin API and the dashboard (docs/dashboard.md). Absent = not
   * served. Keep it off the public path, like the internal listener.
   */
  admin: z
    .strictObject({
      listen: listenerSchema.default({ host: '127.0.0.1', port: 8404 }),
      /** Bearer secret of the admin API; also the dashboard's sign-in secret. */
      token: secretSourceSchema.refine((s) => s.reveal().length >= 16, {
        message: 'at least 16 characters (use 32 random bytes, e.g. `openssl rand -base64 32`)',
      }),
    })
    .optional(),
  issuer: z.url(),
  /** The public URL prefix the gateway routes to the portal. */
  publicPathPrefix: z
    .string()
    .regex(/^\/[A-Za-z0-9._~-]+$/)
    .default('/_402'),
  tokens: z.strictObject({ signingKeys: z.array(signingKeySchema).min(1) }),
  invoice: z
    .strictObject({
      expiryMinutes: z
        .number()
        .int()
        .min(1)
        .max(7 * 24 * 60)
        .default(30),
      rateLimitPerMinutePerIp: z.number().int().min(1).max(100_000).default(20),
      /** Whether a payment that arrives after expiry unlocks the resource (it is always credited). */
      latePaymentUnlocks: z.boolean().default(true),
    })
    .default({
      expiryMinutes: 30,
      rateLimitPerMinutePerIp: 20,
      latePaymentUnlocks: true,
    }),
  networks: networkOverridesSchema.default({}),
  watchers: z.record(z.string(), watcherConfigSchema).default({}),
  wallets: z
    .strictObject({
      evm: z
        .strictObject({
          /** Account-level extended public key (e.g. of m/44'/60'/0'); receive addresses are <xpub>/0/i. An xpub is public data. */
          xpub: z.string().regex(/^[xt]pub[1-9A-HJ-NP-Za-km-z]{100,112}$/, 'expected a base58 xpub'),
          poolLowWater: z.number().int().min(1).default(50),
          poolBatch: z.number().int().min(1).max(10_000).default(200),
        })
        .optional(),
      solana: z
        .strictObject({
          /**
           * The owner's own wallet (a base58 public key): the payTo of every Solana offer. Each
           * invoice gets a unique Solana Pay reference key instead of its own address (docs/solana.md).
           */
          address: z
            .string()
            .refine((s) => isBase58OfLength(s, 32), 'expected a base58 Solana address (32 bytes)'),
        })
        .optional(),
    })
    .default({}),
  /** Sites (docs/sites.md): how often each replica polls the stored list for a change. */
  sites: z
    .strictObject({ pollMs: durationMsSchema.pipe(z.number().int().min(100).max(600_000)).default(1_000) })
    .prefault({}),
  /** Caps on the pay page's live status streams (`<prefix>/invoices/:id/events`), per replica. */
  eventStreams: z
    .strictObject({
      maxPerInvoice: z.number().int().min(1).max(10_000).default(10),
      maxPerClient: z.number().int().min(1).max(10_000).default(30),
    })
    .prefault({}),
  /** /readyz (docs/payment-portal.md, "Readiness"). */
  readiness: z
    .strictObject({
      /** A network counts as watched while its watcher completed a pass within this. */
      watcherStaleAfterMs: durationMsSchema.pipe(z.number().int().min(100)).default(60_000),
    })
    .prefault({}),
  /** Deleting expired invoices nothing was paid to (docs/storage.md, "Retention"). */
  retention: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Kept this long after expiry; default the longest watchers.<net>.lateGraceMs + 7 days. */
      graceMs: durationMsSchema.optional(),
      /** Pause between rounds. */
      intervalMs: durationMsSchema.pipe(z.number().int().min(1_000)).default(300_000),
      /** Invoices deleted per transaction. */
      batchSize: z.number().int().min(1).max(10_000).default(500),
    })
    .prefault({}),
  /** Payment proofs on the request path: tx-hash proofs and x402 (docs/payments-from-programs.md). */
  proofs: proofsConfigSchema.prefault({}),
  dev: z
    .strictObject({
      /**
       * An unlocked anvil account that pays from the pay page; honoured only for offers on
       * dev.chainId, and only while that network's RPC says it is anvil (web3_clientVersion).
       */
      payFromAccount: evmAddress.optional(),
      /**
       * The chain id of the local dev chain: the pay page labels it "Local dev chain" and offers
       * dev-pay on it. 31337 is anvil's default; `npm start` runs anvil on 84532 (x402 v1 clients
       * sign only for chain ids in their own table, and 84532 is their `base-sepolia`).
       */
      chainId: z.number().int().positive().default(31337),
    })
    .prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type PortalConfig = z.output<typeof portalConfigSchema>;
export type PortalConfigInput = z.input<typeof portalConfigSchema>;
export type WatcherConfig = z.output<typeof watcherConfigSchema>;
