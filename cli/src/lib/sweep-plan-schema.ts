import { z } from '@turnpike/protocol/service';

/** The plan's format name and version; `sweep sign` refuses any other. */
export const SWEEP_PLAN_FORMAT = 'turnpike-sweep-plan/1';
export const SWEEP_SIGNED_FORMAT = 'turnpike-sweep-signed/1';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const atomic = z.string().regex(/^\d+$/);
/** Relative to the account xpub, non-hardened steps: "0/3", "1/0/17", "2/0". */
const relativePath = z.string().regex(/^\d+(\/\d+){1,2}$/);

/** One unsigned EVM transaction (EIP-1559), every field a signer needs, nothing fetched at signing. */
export const plannedTransactionSchema = z.strictObject({
  kind: z.enum(['native', 'erc20']),
  /** 'native' or the token contract (lower-case). */
  asset: z.string(),
  symbol: z.string(),
  decimals: z.number().int().min(0).max(36),
  /** What reaches the destination, atomic units. */
  amountAtomic: atomic,
  amount: z.string(),
  type: z.literal(2),
  chainId: z.number().int().positive(),
  nonce: z.number().int().min(0),
  to: address,
  value: atomic,
  data: z.string().regex(/^0x([0-9a-fA-F]{2})*$/),
  gasLimit: atomic,
  maxFeePerGas: atomic,
  maxPriorityFeePerGas: atomic,
  /**
   * Present on a refund (`sweep plan --refunds`): the amount goes to `to`, the payer, instead of the
   * plan's destination. The signer checks the transaction against this recipient.
   */
  refund: z
    .strictObject({
      kind: z.enum(['overpaid', 'expired_unpaid']),
      invoiceId: z.string(),
      to: address,
    })
    .optional(),
});

export const plannedAddressSchema = z.strictObject({
  network: z.string(),
  chainId: z.number().int().positive(),
  address,
  /** Below the account xpub. */
  path: relativePath,
  /** accountPath + path. */
  fullPath: z.string(),
  balances: z.array(
    z.strictObject({
      asset: z.string(),
      symbol: z.string(),
      decimals: z.number().int(),
      atomic,
      amount: z.string(),
    }),
  ),
  /**
   * True when the native balance cannot pay the gas of the token transfers: send `gasShortfallWei`
   * (or more) of the native asset to `address` before broadcasting them.
   */
  needsGas: z.boolean(),
  gasShortfallWei: atomic,
  transactions: z.array(plannedTransactionSchema),
});

export const sweepPlanSchema = z.strictObject({
  format: z.literal(SWEEP_PLAN_FORMAT),
  createdAt: z.string(),
  /** The account xpub the addresses derive from (public); the signer checks its mnemonic gives it. */
  xpub: z.string(),
  /** Where the xpub sits (BIP-44 account), e.g. m/44'/60'/1'. */
  accountPath: z.string().regex(/^m\/44'\/60'\/\d+'$/),
  destination: address,
  addresses: z.array(plannedAddressSchema),
  notes: z.array(z.string()),
});

export type SweepPlan = z.infer<typeof sweepPlanSchema>;
export type PlannedAddress = z.infer<typeof plannedAddressSchema>;
export type PlannedTransaction = z.infer<typeof plannedTransactionSchema>;
