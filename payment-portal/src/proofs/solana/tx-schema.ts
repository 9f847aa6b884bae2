import { z } from 'zod';

/** kit reads every JSON integer as a bigint; a plain number is accepted too. */
const u64 = z.union([z.bigint(), z.number().int()]).transform((v) => BigInt(v));
const index = z.union([z.bigint(), z.number().int()]).transform((v) => Number(v));

const tokenBalanceSchema = z.object({
  accountIndex: index,
  mint: z.string().min(1),
  owner: z.string().optional(),
  programId: z.string().optional(),
  uiTokenAmount: z.object({ amount: z.string().regex(/^\d{1,40}$/), decimals: index }),
});

/**
 * The part of a `getTransaction` (encoding `json`) answer the verifier reads, parsed at the
 * boundary. Balances are indexed like `accountKeys ++ loadedAddresses.writable ++
 * loadedAddresses.readonly`, the order Solana's RPC uses.
 */
export const solanaTxSchema = z.object({
  slot: u64,
  blockTime: u64
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  transaction: z.object({
    signatures: z.array(z.string()).min(1),
    message: z.object({ accountKeys: z.array(z.string().min(1)).min(1) }),
  }),
  meta: z
    .object({
      err: z.unknown(),
      fee: u64,
      preBalances: z.array(u64),
      postBalances: z.array(u64),
      preTokenBalances: z.array(tokenBalanceSchema).nullish(),
      postTokenBalances: z.array(tokenBalanceSchema).nullish(),
      loadedAddresses: z.object({ writable: z.array(z.string()), readonly: z.array(z.string()) }).nullish(),
    })
    .nullable(),
});

export type SolanaTx = z.output<typeof solanaTxSchema>;
export type SolanaTokenBalance = z.output<typeof tokenBalanceSchema>;

/** Every account the transaction touches, in balance order (static keys, then lookup-table loads). */
export function allAccountKeys(tx: SolanaTx): string[] {
  const loaded = tx.meta?.loadedAddresses;
  return [...tx.transaction.message.accountKeys, ...(loaded?.writable ?? []), ...(loaded?.readonly ?? [])];
}

/** A `getTransaction` answer for `signature`, or null when it is unreadable or another transaction's. */
export function parseSolanaTx(raw: unknown, signature: string): SolanaTx | null {
  const parsed = solanaTxSchema.safeParse(raw);
  return parsed.success && parsed.data.transaction.signatures[0] === signature ? parsed.data : null;
}

/**
 * Whether the transaction landed before the invoice was made, beyond `skewMs` of difference
 * between the cluster's clock and ours. No block time counts as before: it cannot be shown fresh.
 */
export function predatesInvoice(tx: SolanaTx, invoiceCreatedAt: Date, skewMs: number): boolean {
  return tx.blockTime === null || Number(tx.blockTime) * 1000 < invoiceCreatedAt.getTime() - skewMs;
}
