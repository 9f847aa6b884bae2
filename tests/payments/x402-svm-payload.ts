/**
 * Builds x402 v2 `exact` Solana payloads by hand with @solana/kit, laid out the way @x402/svm's
 * client lays them out (compute limit, compute price, TransferChecked, Memo; the fee payer left to
 * sign), for the refusals an unmodified client never produces: another amount, another mint, the
 * fee payer as the transfer's authority, another memo.
 */
import {
  appendTransactionMessageInstructions,
  createNoopSigner,
  createTransactionMessage,
  getBase64EncodedWireTransaction,
  partiallySignTransactionMessageWithSigners,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Address,
  type Instruction,
  type TransactionSigner,
} from '@solana/kit';
import {
  findAssociatedTokenPda,
  getTransferCheckedInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import type { Rpc } from '../support/solana/payer.js';

export interface SvmRequirement {
  scheme: 'exact';
  network: string;
  amount: string;
  asset: string;
  payTo: string;
  maxTimeoutSeconds: number;
  extra: { feePayer: string; memo: string; challenge: string };
}

export interface SvmOverrides {
  amount?: bigint;
  mint?: Address;
  /** The transfer's authority (and owner of its source account); default the payer. */
  authority?: TransactionSigner;
  memo?: string;
  /** µ-lamports per compute unit (default 1, as @x402/svm). */
  computeUnitPrice?: bigint;
}

const COMPUTE_BUDGET = 'ComputeBudget111111111111111111111111111111' as Address;
const MEMO = 'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr' as Address;

/** The Solana requirements of a base64 `PAYMENT-REQUIRED` header. */
export function svmRequirements(paymentRequired: string, network: string): SvmRequirement[] {
  const decoded = JSON.parse(Buffer.from(paymentRequired, 'base64').toString('utf8')) as {
    accepts: SvmRequirement[];
  };
  return decoded.accepts.filter((a) => a.network === network);
}

/** The partially signed transaction (base64) paying `accepted`, with `overrides` applied. */
export async function svmTransaction(
  rpc: Rpc,
  payer: TransactionSigner,
  accepted: SvmRequirement,
  overrides: SvmOverrides = {},
): Promise<string> {
  const mint = overrides.mint ?? (accepted.asset as Address);
  const authority = overrides.authority ?? payer;
  const [source] = await findAssociatedTokenPda({
    owner: authority.address,
    mint,
    tokenProgram: TOKEN_PROGRAM_ADDRESS,
  });
  const [destination] = await findAssociatedTokenPda({
    owner: accepted.payTo as Address,
    mint,
    tokenProgram: TOKEN_PROGRAM_ADDRESS,
  });
  const limit = new Uint8Array(5);
  limit[0] = 2;
  new DataView(limit.buffer).setUint32(1, 20_000, true);
  const price = new Uint8Array(9);
  price[0] = 3;
  new DataView(price.buffer).setBigUint64(1, overrides.computeUnitPrice ?? 1n, true);
  const instructions: Instruction[] = [
    { programAddress: COMPUTE_BUDGET, data: limit },
    { programAddress: COMPUTE_BUDGET, data: price },
    getTransferCheckedInstruction({
      source,
      mint,
      destination,
      authority,
      amount: overrides.amount ?? BigInt(accepted.amount),
      decimals: 6,
    }),
    { programAddress: MEMO, data: new TextEncoder().encode(overrides.memo ?? accepted.extra.memo) },
  ];
  const { value: blockhash } = await rpc.getLatestBlockhash().send();
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(accepted.extra.feePayer as Address, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  return getBase64EncodedWireTransaction(await partiallySignTransactionMessageWithSigners(message));
}

/** A base64 `PAYMENT-SIGNATURE` header carrying `transaction` for `accepted`. */
export function svmPaymentSignature(accepted: SvmRequirement, transaction: string, url: string): string {
  return Buffer.from(
    JSON.stringify({ x402Version: 2, resource: { url }, accepted, payload: { transaction } }),
  ).toString('base64');
}

/** A signer standing for an address whose key the test does not hold (it never signs). */
export const unsignedSigner = (address: string): TransactionSigner => createNoopSigner(address as Address);
