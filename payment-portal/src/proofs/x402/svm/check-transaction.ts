import { createPublicKey, verify } from 'node:crypto';
import {
  getBase58Encoder,
  getBase64Encoder,
  getCompiledTransactionMessageDecoder,
  getTransactionDecoder,
  type Address,
  type Transaction,
} from '@solana/kit';
import { findAssociatedTokenPda, getTransferCheckedInstructionDataDecoder } from '@solana-program/token';
import { REASONS } from '@turnpike/protocol';
import { ProofRefusal } from '../../context.js';

export const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111';
export const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const TOKEN_2022_PROGRAM = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
export const MEMO_PROGRAM = 'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr';
/** Wallet-injected user protection (Phantom, Solflare): the scheme says it MUST be allowed. */
export const LIGHTHOUSE_PROGRAM = 'L2TExMFKdjpN9kozasaurPirfHy9P8sbXoAN1qA3S95';

const SET_COMPUTE_UNIT_LIMIT = 2;
const SET_COMPUTE_UNIT_PRICE = 3;
const TRANSFER_CHECKED = 12;

/** What the payment must be, from the portal's own terms (never from what the client echoes). */
export interface SvmTransferTerms {
  feePayer: string;
  mint: string;
  /** The owner wallet; the destination must be its associated token account for the mint. */
  payTo: string;
  amount: bigint;
  decimals: number;
  maxComputeUnitPriceMicroLamports: bigint;
  maxComputeUnitLimit: number;
  /** The offer's `extra.memo`: the one Memo instruction must carry exactly this (UTF-8). */
  memo: string;
}

/** A transaction that passed every check, ready to be co-signed. */
export interface CheckedSvmTransfer {
  transaction: Transaction;
  /** The transfer's authority: the payer, who signed. */
  payer: string;
  /** The payer's signature (base58 is not needed: the bytes key the binding). */
  payerSignature: Uint8Array;
  source: string;
  destination: string;
  tokenProgram: string;
}

function refuse(code: (typeof REASONS)[keyof typeof REASONS], message: string): never {
  throw new ProofRefusal(code, message);
}

/**
 * The facilitator checks of x402 `exact` on Solana (specs/schemes/exact/scheme_exact_svm.md,
 * "Facilitator Verification Rules"), done strictly on the compiled message, before the portal signs
 * anything: static accounts only (no lookup tables); the fee payer is the portal's and no
 * instruction names its account; the only other signer is the transfer's authority, whose
 * signature verifies; 3 to 6 instructions — SetComputeUnitLimit, SetComputeUnitPrice (both
 * capped), one SPL Token / Token-2022 TransferChecked of exactly the price in the offered mint to
 * the payee's associated token account — then only Memo or Lighthouse. Account existence and the
 * payer's balance are left to the cluster's preflight simulation when the transaction is sent.
 * Exactly one Memo must carry the offer's `extra.memo` (the scheme's rule when a memo is given): it
 * commits the signed transaction to the requester's secret.
 */
export async function checkSvmTransfer(base64: string, t: SvmTransferTerms): Promise<CheckedSvmTransfer> {
  let transaction: Transaction;
  let message;
  try {
    transaction = getTransactionDecoder().decode(getBase64Encoder().encode(base64));
    message = getCompiledTransactionMessageDecoder().decode(transaction.messageBytes);
  } catch {
    return refuse(REASONS.X402_SVM_TRANSACTION_INVALID, 'the transaction does not decode');
  }
  if (message.version !== 0 && message.version !== 'legacy')
    return refuse(
      REASONS.X402_SVM_TRANSACTION_INVALID,
      `transaction version ${String(message.version)} is not accepted`,
    );
  if ('addressTableLookups' in message && (message.addressTableLookups?.length ?? 0) > 0)
    refuse(REASONS.X402_SVM_TRANSACTION_INVALID, 'address lookup tables are not accepted');
  const keys = message.staticAccounts.map(String);
  if (keys[0] !== t.feePayer)
    refuse(REASONS.X402_SVM_FEE_PAYER_MISUSED, 'the transaction is not paid for by this service');
  const instructions = message.instructions;
  for (const ix of instructions) {
    if (ix.programAddressIndex === 0 || (ix.accountIndices ?? []).includes(0))
      refuse(REASONS.X402_SVM_FEE_PAYER_MISUSED, "an instruction uses the fee payer's account");
    if (ix.programAddressIndex >= keys.length || (ix.accountIndices ?? []).some((i) => i >= keys.length))
      refuse(REASONS.X402_SVM_TRANSACTION_INVALID, 'an instruction names an account the message lacks');
  }
  if (instructions.length < 3 || instructions.length > 6)
    refuse(REASONS.X402_SVM_INSTRUCTIONS_INVALID, `${instructions.length} instructions (3 to 6 allowed)`);
  const program = (i: number) => keys[instructions[i]!.programAddressIndex]!;
  const data = (i: number) => instructions[i]!.data ?? new Uint8Array();

  const limit = data(0);
  if (program(0) !== COMPUTE_BUDGET_PROGRAM || limit.length !== 5 || limit[0] !== SET_COMPUTE_UNIT_LIMIT)
    refuse(REASONS.X402_SVM_INSTRUCTIONS_INVALID, 'the first instruction is not SetComputeUnitLimit');
  if (Buffer.from(limit).readUInt32LE(1) > t.maxComputeUnitLimit)
    refuse(
      REASONS.X402_SVM_COMPUTE_BUDGET_EXCEEDED,
      'the compute-unit limit is above what this service sponsors',
    );
  const price = data(1);
  if (program(1) !== COMPUTE_BUDGET_PROGRAM || price.length !== 9 || price[0] !== SET_COMPUTE_UNIT_PRICE)
    refuse(REASONS.X402_SVM_INSTRUCTIONS_INVALID, 'the second instruction is not SetComputeUnitPrice');
  if (Buffer.from(price).readBigUInt64LE(1) > t.maxComputeUnitPriceMicroLamports)
    refuse(
      REASONS.X402_SVM_COMPUTE_BUDGET_EXCEEDED,
      'the compute-unit price is above what this service sponsors',
    );

  const tokenProgram = program(2);
  const transfer = instructions[2]!;
  const accounts = (transfer.accountIndices ?? []).map((i) => keys[i]!);
  if (
    (tokenProgram !== TOKEN_PROGRAM && tokenProgram !== TOKEN_2022_PROGRAM) ||
    data(2).length !== 10 ||
    data(2)[0] !== TRANSFER_CHECKED ||
    // source, mint, destination, authority: a single-signer transfer (no multisig signers).
    accounts.length !== 4
  )
    refuse(REASONS.X402_SVM_INSTRUCTIONS_INVALID, 'the third instruction is not one SPL TransferChecked');
  for (let i = 3; i < instructions.length; i++) {
    if (program(i) !== MEMO_PROGRAM && program(i) !== LIGHTHOUSE_PROGRAM)
      refuse(REASONS.X402_SVM_INSTRUCTIONS_INVALID, `instruction ${i + 1} is neither Memo nor Lighthouse`);
  }

  const memos = instructions.slice(3).filter((ix) => keys[ix.programAddressIndex] === MEMO_PROGRAM);
  if (memos.length !== 1 || Buffer.from(memos[0]!.data ?? []).toString('utf8') !== t.memo)
    refuse(
      REASONS.X402_SVM_INSTRUCTIONS_INVALID,
      "the transaction does not carry this requester's memo once",
    );

  const [source, mint, destination, authority] = accounts as [string, string, string, string];
  const { amount, decimals } = getTransferCheckedInstructionDataDecoder().decode(data(2));
  if (mint !== t.mint)
    refuse(REASONS.PAYMENT_WRONG_ASSET, 'the transfer moves another token than the one offered');
  if (decimals !== t.decimals)
    refuse(REASONS.X402_SVM_INSTRUCTIONS_INVALID, "the transfer's decimals are not the token's");
  if (amount !== t.amount)
    refuse(REASONS.X402_VALUE_MISMATCH, `the transfer moves ${amount}, the price is ${t.amount}`);
  const ata = async (owner: string) =>
    String(
      (
        await findAssociatedTokenPda({
          owner: owner as Address,
          mint: t.mint as Address,
          tokenProgram: tokenProgram as Address,
        })
      )[0],
    );
  if (destination !== (await ata(t.payTo)))
    refuse(REASONS.X402_RECIPIENT_MISMATCH, "the transfer does not pay the payee's token account");
  if (authority === t.feePayer || source === t.feePayer || source === (await ata(t.feePayer)))
    refuse(REASONS.X402_SVM_FEE_PAYER_MISUSED, "the transfer would move the fee payer's funds");

  // Signers: the fee payer (ours, to be added) and the transfer's authority, nobody else.
  const signers = keys.slice(0, message.header.numSignerAccounts);
  if (signers.length !== 2 || signers[1] !== authority)
    refuse(
      REASONS.X402_SVM_TRANSACTION_INVALID,
      "the signers are not the fee payer and the transfer's authority",
    );
  const payerSignature = transaction.signatures[authority as Address];
  if (
    !payerSignature ||
    !verifyEd25519(authority, payerSignature, transaction.messageBytes as unknown as Uint8Array)
  )
    refuse(REASONS.X402_SVM_TRANSACTION_INVALID, "the payer's signature does not verify");
  return {
    transaction,
    payer: authority,
    payerSignature: payerSignature as Uint8Array,
    source,
    destination,
    tokenProgram,
  };
}

// SubjectPublicKeyInfo prefix of a raw Ed25519 public key (RFC 8410).
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function verifyEd25519(address: string, signature: Uint8Array, message: Uint8Array): boolean {
  try {
    const key = createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(getBase58Encoder().encode(address))]),
      format: 'der',
      type: 'spki',
    });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}
