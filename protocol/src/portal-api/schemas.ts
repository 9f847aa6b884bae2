import { z } from 'zod';
import { mppCredentialSchema } from '../mpp/credential.js';
import { paymentRequestWireSchema } from '../payment-request/wire-schema.js';

const isoTime = z.iso.datetime({ offset: true });
const httpUrl = z.url({ protocol: /^https?$/ });
const atomic = z.string().regex(/^[1-9][0-9]{0,77}$/, 'positive integer string');
const reasonString = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'snake_case reason');

/** What authz-service knows about the request it is deciding. */
const requestContext = {
  host: z.string().min(1).max(255),
  scheme: z.enum(['http', 'https']),
  /** The path scope the token will carry (normalised). */
  resource: z.string().startsWith('/').max(8192),
  /** The normalised original URI (path + "?" + query) to send the browser back to. */
  originalUri: z.string().startsWith('/').max(8192),
  request: paymentRequestWireSchema,
};

const evmAddress = z.string().regex(/^0x[0-9a-f]{40}$/, 'lower-case 0x address');

/**
 * What the portal can be paid with, for the authorizer's stateless 402s (`GET payee`): which
 * networks it verifies transaction proofs on, where x402 payments go, its Solana wallet, and how
 * long a challenge stays payable. Static for a running portal; the authorizer refreshes it.
 */
export const payeeResponseSchema = z.strictObject({
  /** Networks whose transaction-hash proofs the portal can verify (it has RPC endpoints for them). */
  txNetworks: z.array(z.string().min(1)),
  /** The EVM wallet challenge addresses are derived from (absent: no EVM transaction offers). */
  evm: z.strictObject({ walletId: z.string().min(1).max(64) }).optional(),
  /** The owner's Solana wallet, the payTo of every Solana offer (absent: no Solana offers). */
  solana: z.strictObject({ wallet: z.string().min(32).max(44) }).optional(),
  /** x402 `exact`: the networks it settles on and the address authorizations must pay. */
  x402: z.strictObject({ payTo: evmAddress, networks: z.array(z.string().min(1)) }).optional(),
  /**
   * x402 `exact` on Solana: the fee payer that co-signs (each offer's `extra.feePayer`) and the
   * networks it settles on; offers pay the owner's wallet (`solana.wallet`).
   */
  x402Svm: z
    .strictObject({ feePayer: z.string().min(32).max(44), networks: z.array(z.string().min(1)) })
    .optional(),
  challengeTtlSeconds: z.number().int().positive(),
});

export const addressLeaseRequestSchema = z.strictObject({
  count: z.number().int().min(1).max(4096),
  /** The site whose wallet the addresses come from (docs/sites.md); absent = `default`. */
  site: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .optional(),
});
/** `count` consecutive challenge indexes from `first`, each with its derived address, never handed out before. */
export const addressLeaseResponseSchema = z.strictObject({
  walletId: z.string().min(1).max(64),
  first: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /**
   * EIP-55 form, checksummed by the portal as it derives them, so the authorizer hands them to
   * clients as they are (a keccak per 402 would be a third of its cost).
   */
  addresses: z
    .array(z.string().regex(/^0x[0-9a-fA-F]{40}$/, '0x address'))
    .min(1)
    .max(4096),
});

export const challengeRequestSchema = z.strictObject({
  ...requestContext,
  client: z.strictObject({ ip: z.string().min(1).max(64) }),
});

export const challengeOfferSchema = z.strictObject({
  network: z.string().min(1),
  caip2: z.string().min(1),
  asset: z.strictObject({
    symbol: z.string().min(1),
    kind: z.enum(['native', 'erc20', 'spl']),
    decimals: z.number().int().min(0).max(36),
    address: z.string().optional(),
    mint: z.string().optional(),
    eip712: z.strictObject({ name: z.string(), version: z.string() }).optional(),
    assetTransferMethod: z.enum(['eip3009', 'permit2']).optional(),
  }),
  /** Canonical decimal in whole units. */
  amount: z.string().min(1),
  atomic,
  /**
   * Where to pay: the unique receive address of this challenge's invoice (EVM), or the owner's
   * wallet (Solana, shared by every invoice; see `reference`).
   */
  payTo: z.string().min(1),
  /**
   * Solana Pay reference key (base58 public key) the payment must carry as a read-only account of
   * its transfer instruction; it is what binds a Solana transaction to this challenge.
   */
  reference: z.string().min(32).max(44).optional(),
});

export const challengeSchema = z.strictObject({
  id: z.string().min(1),
  expiresAt: isoTime,
  payUrl: httpUrl,
  offers: z.array(challengeOfferSchema).min(1),
});

export const txProofSchema = z.strictObject({
  type: z.literal('tx'),
  network: z.string().min(1).max(64),
  tx: z.string().min(1).max(256),
  /**
   * The challenge the payer was given in the 402 (`paymentDetails.challengeId`) and sends back in
   * `x-payment-challenge`: a sealed challenge, or the id of a recorded one. It binds the hash to
   * its requester: a copied hash presented by someone else is refused. Absent only for resources
   * that accept unbound proofs.
   */
  challenge: z.string().min(1).max(4096).optional(),
});
export const x402ProofSchema = z.strictObject({
  type: z.literal('x402'),
  version: z.union([z.literal(1), z.literal(2)]),
  payload: z.unknown(),
});
/** An MPP credential (`Authorization: Payment`), parsed; the portal verifies its challenge and payload. */
export const mppProofSchema = z.strictObject({
  type: z.literal('mpp'),
  credential: mppCredentialSchema,
});
/**
 * x402 sign-in-with-x: the `SIGN-IN-WITH-X` header as the client sent it (base64 JSON of a signed
 * CAIP-122 message). Not a payment: the portal answers with the grant the signer already paid for.
 */
export const siwxProofSchema = z.strictObject({
  type: z.literal('siwx'),
  header: z.string().min(1).max(8192),
});
export const settleProofSchema = z.discriminatedUnion('type', [
  txProofSchema,
  x402ProofSchema,
  mppProofSchema,
  siwxProofSchema,
]);

export const settleRequestSchema = z.strictObject({
  ...requestContext,
  proof: settleProofSchema,
  /** The client's address as the gateway reported it (per-client limits on proof attempts). */
  client: z.strictObject({ ip: z.string().min(1).max(64) }).optional(),
});

export const settleResponseSchema = z.discriminatedUnion('ok', [
  z.strictObject({
    ok: z.literal(true),
    token: z.string().min(1),
    claims: z.record(z.string(), z.unknown()),
    receipt: z.unknown().optional(),
  }),
  z.strictObject({
    ok: z.literal(false),
    /** A REASONS value (snake_case; check with isReason). */
    reason: reasonString,
    message: z.string(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
  }),
]);

export type PayeeResponse = z.output<typeof payeeResponseSchema>;
export type AddressLeaseRequest = z.output<typeof addressLeaseRequestSchema>;
export type AddressLeaseResponse = z.output<typeof addressLeaseResponseSchema>;
export type ChallengeRequest = z.output<typeof challengeRequestSchema>;
export type ChallengeOffer = z.output<typeof challengeOfferSchema>;
export type Challenge = z.output<typeof challengeSchema>;
export type TxProof = z.output<typeof txProofSchema>;
export type X402Proof = z.output<typeof x402ProofSchema>;
export type MppProof = z.output<typeof mppProofSchema>;
export type SiwxProof = z.output<typeof siwxProofSchema>;
export type SettleProof = z.output<typeof settleProofSchema>;
export type SettleRequest = z.output<typeof settleRequestSchema>;
export type SettleResponse = z.output<typeof settleResponseSchema>;
