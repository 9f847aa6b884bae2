import { secretSourceSchema } from '@turnpike/protocol/service';
import { z } from 'zod';

const seconds = z.number().int().nonnegative();

/** Per-network settings of transaction-hash proofs (`proofs.tx.networks.<network>`). */
const txNetworkSchema = z.strictObject({
  /** A transfer older than this is refused (`payment_too_old`), whatever the invoice says. */
  maxTxAgeSeconds: seconds.optional(),
  /** Confirmations to wait for; default the network's own (`networks.<name>.confirmations`). */
  confirmations: seconds.optional(),
  /** Average block time, for the `Retry-After` of a proof still confirming. */
  blockTimeSeconds: z.number().positive().optional(),
});

const txSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Clock difference tolerated between the chain and the database (block time vs invoice creation). */
  clockSkewSeconds: seconds.default(60),
  /** Default maximum transaction age (24 h). */
  maxTxAgeSeconds: seconds.default(86_400),
  networks: z.record(z.string(), txNetworkSchema).default({}),
});

const facilitatorSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  timeoutMs: z.number().int().positive().default(10_000),
  /** Extra headers for the facilitator (e.g. an API key); sent as they are, never logged. */
  headers: z.record(z.string(), z.string()).optional(),
});

/**
 * x402 `exact` on Solana (`proofs.x402.solana`): the portal co-signs the payer's transfer as fee
 * payer and submits it. The fee-payer key is the only Solana key the portal may hold.
 */
const x402SolanaSchema = z.strictObject({
  /**
   * The fee payer's key, a secret source: a solana-keygen JSON file (64 numbers) or the 64-byte
   * secret key in base58. It pays only transaction fees; no instruction may touch its accounts.
   */
  feePayerKey: secretSourceSchema,
  /** Below this SOL balance (lamports) /readyz and the log report the fee payer as low. */
  lowBalanceLamports: z.number().int().nonnegative().default(50_000_000),
  /** The highest compute-unit price accepted (x402's reference: 5 lamports/CU = 5,000,000 µ-lamports). */
  maxComputeUnitPriceMicroLamports: z.number().int().nonnegative().max(5_000_000).default(5_000_000),
  /** The highest compute-unit limit accepted (a transfer and a memo need about 20,000). */
  maxComputeUnitLimit: z.number().int().positive().max(1_400_000).default(200_000),
  /** How long to wait for the submitted transaction to reach the network's commitment. */
  confirmTimeoutMs: z.number().int().positive().default(30_000),
});

const x402Schema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** `relayer`: the portal submits transferWithAuthorization itself; `facilitator`: an x402 facilitator does. */
    mode: z.enum(['relayer', 'facilitator']).default('relayer'),
    /** The relayer's private key (hex), a secret source. The only private key the portal may hold. */
    relayerKey: secretSourceSchema.optional(),
    facilitator: facilitatorSchema.optional(),
    /** How long to wait for the settlement transaction's receipt. */
    receiptTimeoutMs: z.number().int().positive().default(30_000),
    /** An authorization must stay valid at least this long after verification (x402: 6 s). */
    minValiditySeconds: seconds.default(6),
    /** x402 `exact` on Solana networks (absent: no Solana x402 offers). */
    solana: x402SolanaSchema.optional(),
    /** The x402 `payment-identifier` extension (idempotent retries; docs/payments-from-programs.md). */
    paymentIdentifier: z
      .strictObject({
        /**
         * How long a retry waits for the first request with its id to finish settling; keep it
         * below the authorizer's `portal.settleTimeoutMs` (15 s by default).
         */
        waitMs: z.number().int().min(0).max(120_000).default(12_000),
        /** How long an id and its outcome are kept; the retention job deletes the row after. */
        retentionSeconds: z
          .number()
          .int()
          .min(60)
          .max(30 * 86_400)
          .default(86_400),
      })
      .default({ waitMs: 12_000, retentionSeconds: 86_400 }),
  })
  .superRefine((x, ctx) => {
    if (!x.enabled) return;
    // A Solana-only portal (a fee payer, no EVM settlement) needs no relayer.
    if (x.mode === 'relayer' && x.relayerKey === undefined && x.solana === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['relayerKey'],
        message: 'mode "relayer" needs relayerKey ({fromEnv} or {fromFile})',
      });
    }
    if (x.mode === 'facilitator' && x.facilitator === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['facilitator'],
        message: 'mode "facilitator" needs facilitator.url',
      });
    }
  });

/**
 * Config of payment proofs on the request path (`proofs:` in the portal config). Parse with
 * `parseAsync` / loadConfig: the relayer key is a secret source, read asynchronously.
 */
export const proofsConfigSchema = z.strictObject({
  /**
   * Payment proofs one client address may present per minute, per replica (each costs chain reads
   * or a settlement); above it `429 rate_limited` with Retry-After. An honest client retrying a
   * pending proof after Retry-After stays far below.
   */
  attemptsPerMinutePerClient: z.number().int().min(1).max(100_000).default(120),
  tx: txSchema.default({
    enabled: true,
    clockSkewSeconds: 60,
    maxTxAgeSeconds: 86_400,
    networks: {},
  }),
  /** Absent: x402 proofs are refused (`proof_unsupported`). */
  x402: x402Schema.optional(),
  /**
   * x402 sign-in-with-x: a returning payer signs the 402's CAIP-122 message and gets the grant it
   * already paid for. Off: `SIGN-IN-WITH-X` is refused (`proof_unsupported`) and the client pays.
   */
  siwx: z
    .strictObject({
      enabled: z.boolean().default(true),
      /**
       * Sign-ins one client address may present per minute, per replica (counted apart from payment
       * proofs: a returning x402 client signs in on every call, and a sign-in costs a signature check
       * and two indexed reads, no chain read for an EOA); above it `429 rate_limited`.
       */
      attemptsPerMinutePerClient: z.number().int().min(1).max(1_000_000).default(1_200),
    })
    .default({ enabled: true, attemptsPerMinutePerClient: 1_200 }),
});

export type ProofsConfig = z.output<typeof proofsConfigSchema>;
export type ProofsConfigInput = z.input<typeof proofsConfigSchema>;
