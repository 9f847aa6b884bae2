import { z } from 'zod';

/** Method and intent names Turnpike issues and accepts. */
export const MPP_METHODS = { evm: 'evm', solana: 'solana' } as const;
export const MPP_CHARGE_INTENT = 'charge';

/**
 * The `currency` of a native-coin EVM offer: EIP-7528's address for the native asset. The evm
 * method's draft covers ERC-20 only; native coin (with `hash` credentials only) is Turnpike's
 * extension, spelled so that address-typed client schemas still parse it.
 */
export const EVM_NATIVE_CURRENCY = '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE';

const atomic = z.string().regex(/^[1-9][0-9]{0,77}$/, 'positive integer string');
const evmAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, '0x address');
const base58 = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/, 'base58 key');

/** What the `request` of an `evm`/`charge` challenge Turnpike issued holds. */
export const mppEvmChargeRequestSchema = z.object({
  amount: atomic,
  currency: evmAddress,
  recipient: evmAddress,
  methodDetails: z.object({
    chainId: z.number().int().positive(),
    credentialTypes: z.array(z.enum(['authorization', 'hash'])).min(1),
    decimals: z.number().int().min(0).max(36).optional(),
  }),
});

/** What the `request` of a `solana`/`charge` challenge Turnpike issued holds. */
export const mppSolanaChargeRequestSchema = z.object({
  amount: atomic,
  /** The SPL mint, or `sol`. */
  currency: z.union([z.literal('sol'), base58]),
  recipient: base58,
  methodDetails: z.object({
    network: z.enum(['mainnet', 'devnet', 'localnet']),
    decimals: z.number().int().min(0).max(9).optional(),
    /** Turnpike's extension: the Solana Pay reference key the transfer must carry (the binding). */
    reference: base58,
  }),
});

/** EIP-3009 `transferWithAuthorization`, signed by the payer (evm `type="authorization"`). */
export const mppEvmAuthorizationPayloadSchema = z.object({
  type: z.literal('authorization'),
  from: evmAddress,
  to: evmAddress,
  value: z.string().regex(/^[0-9]{1,78}$/),
  validAfter: z.string().regex(/^[0-9]{1,20}$/),
  validBefore: z.string().regex(/^[0-9]{1,20}$/),
  nonce: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130,}$/),
});

/** A transfer the payer broadcast itself (evm `type="hash"`). */
export const mppEvmHashPayloadSchema = z.object({
  type: z.literal('hash'),
  hash: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
});

/** A Solana transfer the payer broadcast itself (solana `type="signature"`, push mode). */
export const mppSolanaSignaturePayloadSchema = z.object({
  type: z.literal('signature'),
  signature: z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{64,90}$/),
});

/**
 * Turnpike's `opaque` (server correlation data, echoed unchanged and covered by the id — the HMAC
 * of the parameters, or for a push challenge the tag of the seal `c`, see mppPushChallengeId):
 * the resource scope the challenge was issued for, and the sealed API challenge whose receive
 * address or reference a pushed transfer must pay (absent on `authorization` challenges).
 */
export const mppOpaqueSchema = z.object({
  r: z.string().startsWith('/').max(8192),
  c: z.string().min(1).max(4096).optional(),
});

export type MppEvmChargeRequest = z.output<typeof mppEvmChargeRequestSchema>;
export type MppSolanaChargeRequest = z.output<typeof mppSolanaChargeRequestSchema>;
export type MppOpaque = z.output<typeof mppOpaqueSchema>;

/** The Payment-Receipt of a credited credential (draft §5.3 and the methods' receipt fields). */
export interface MppReceipt {
  method: string;
  challengeId: string;
  reference: string;
  status: 'success';
  timestamp: string;
  chainId?: number;
}

/** `Payment-Receipt` header value: base64url (no padding) JSON. */
export function encodeMppReceipt(receipt: MppReceipt): string {
  return Buffer.from(JSON.stringify(receipt), 'utf8').toString('base64url');
}
