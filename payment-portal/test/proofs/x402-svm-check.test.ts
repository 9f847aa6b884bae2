/**
 * The Solana x402 transaction checks on transactions built with @solana/kit the way @x402/svm
 * builds them (compute limit, compute price, TransferChecked, Memo; the fee payer left to sign),
 * each changed in one way. No cluster is needed: nothing here is sent.
 */
import { getBase58Decoder } from '@solana/kit';
import {
  appendTransactionMessageInstructions,
  createNoopSigner,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase64EncodedWireTransaction,
  partiallySignTransactionMessageWithSigners,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Address,
  type Blockhash,
  type Instruction,
  type KeyPairSigner,
  type TransactionSigner,
} from '@solana/kit';
import {
  findAssociatedTokenPda,
  getTransferCheckedInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import { randomBytes } from 'node:crypto';
import { REASONS } from '@turnpike/protocol';
import {
  checkSvmTransfer,
  COMPUTE_BUDGET_PROGRAM,
  LIGHTHOUSE_PROGRAM,
  MEMO_PROGRAM,
  type SvmTransferTerms,
} from '../../src/proofs/x402/svm/check-transaction.js';

let payer: KeyPairSigner;
let feePayer: Address;
let terms: SvmTransferTerms;

beforeAll(async () => {
  payer = await generateKeyPairSigner();
  feePayer = (await generateKeyPairSigner()).address;
  terms = {
    feePayer,
    mint: (await generateKeyPairSigner()).address,
    payTo: (await generateKeyPairSigner()).address,
    amount: 10_000n,
    decimals: 6,
    maxComputeUnitPriceMicroLamports: 5_000_000n,
    maxComputeUnitLimit: 200_000,
    memo: 'turnpike:the-requesters-memo',
  };
});

const budget = (discriminator: 2 | 3, value: bigint): Instruction => {
  const data = new Uint8Array(discriminator === 2 ? 5 : 9);
  data[0] = discriminator;
  const view = new DataView(data.buffer);
  if (discriminator === 2) view.setUint32(1, Number(value), true);
  else view.setBigUint64(1, value, true);
  return { programAddress: COMPUTE_BUDGET_PROGRAM as Address, data };
};

async function transfer(authority: TransactionSigner = payer, amount = terms.amount): Promise<Instruction> {
  const mint = terms.mint as Address;
  const [source] = await findAssociatedTokenPda({
    owner: authority.address,
    mint,
    tokenProgram: TOKEN_PROGRAM_ADDRESS,
  });
  const [destination] = await findAssociatedTokenPda({
    owner: terms.payTo as Address,
    mint,
    tokenProgram: TOKEN_PROGRAM_ADDRESS,
  });
  return getTransferCheckedInstruction({ source, mint, destination, authority, amount, decimals: 6 });
}

const memo = (text: string): Instruction => ({
  programAddress: MEMO_PROGRAM as Address,
  data: new TextEncoder().encode(text),
});

async function build(instructions: Instruction[], opts: { feePayer?: Address } = {}): Promise<string> {
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(opts.feePayer ?? feePayer, m),
    (m) =>
      setTransactionMessageLifetimeUsingBlockhash(
        { blockhash: getBase58Decoder().decode(randomBytes(32)) as Blockhash, lastValidBlockHeight: 100n },
        m,
      ),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  return getBase64EncodedWireTransaction(await partiallySignTransactionMessageWithSigners(message));
}

const standard = async () => [budget(2, 20_000n), budget(3, 1n), await transfer(), memo(terms.memo)];

async function reasonOf(tx: string): Promise<string> {
  try {
    await checkSvmTransfer(tx, terms);
    return 'accepted';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe('x402 Solana transaction checks', () => {
  it("accepts the client's layout, with wallet-injected Lighthouse instructions too, and names the payer", async () => {
    const ok = await checkSvmTransfer(await build(await standard()), terms);
    expect(ok.payer).toBe(payer.address);
    const lighthouse: Instruction = {
      programAddress: LIGHTHOUSE_PROGRAM as Address,
      data: new Uint8Array([1]),
    };
    expect(await reasonOf(await build([...(await standard()), lighthouse]))).toBe('accepted');
  });

  it('refuses another layout: no compute budget, an unknown program, too many instructions, no memo or two', async () => {
    const [limit, price, pay, note] = await standard();
    const other: Instruction = {
      programAddress: (await generateKeyPairSigner()).address,
      data: new Uint8Array([1]),
    };
    for (const ixs of [
      [pay!, note!],
      [price!, limit!, pay!, note!],
      [limit!, price!, pay!, other],
      [limit!, price!, pay!, note!, memo('x'), memo('y'), memo('z')],
      [limit!, price!, pay!],
      [limit!, price!, pay!, note!, memo(terms.memo)],
      [limit!, price!, pay!, memo('turnpike:another-requesters-memo')],
    ])
      expect(await reasonOf(await build(ixs))).toBe(REASONS.X402_SVM_INSTRUCTIONS_INVALID);
  });

  it('refuses a compute budget above the caps', async () => {
    const [, , pay, note] = await standard();
    expect(await reasonOf(await build([budget(2, 200_001n), budget(3, 1n), pay!, note!]))).toBe(
      REASONS.X402_SVM_COMPUTE_BUDGET_EXCEEDED,
    );
    expect(await reasonOf(await build([budget(2, 20_000n), budget(3, 5_000_001n), pay!, note!]))).toBe(
      REASONS.X402_SVM_COMPUTE_BUDGET_EXCEEDED,
    );
  });

  it("refuses another fee payer, the fee payer in any instruction's accounts, and a wrong amount", async () => {
    expect(await reasonOf(await build(await standard(), { feePayer: payer.address }))).toBe(
      REASONS.X402_SVM_FEE_PAYER_MISUSED,
    );
    const [limit, price, , note] = await standard();
    expect(
      await reasonOf(await build([limit!, price!, await transfer(createNoopSigner(feePayer)), note!])),
    ).toBe(REASONS.X402_SVM_FEE_PAYER_MISUSED);
    const noteNamingFeePayer: Instruction = {
      ...memo(terms.memo),
      accounts: [{ address: feePayer, role: 0 }],
    };
    expect(await reasonOf(await build([limit!, price!, await transfer(), noteNamingFeePayer]))).toBe(
      REASONS.X402_SVM_FEE_PAYER_MISUSED,
    );
    expect(
      await reasonOf(await build([limit!, price!, await transfer(payer, terms.amount + 1n), note!])),
    ).toBe(REASONS.X402_VALUE_MISMATCH);
  });

  it("refuses a third signer, an altered payer's signature, and bytes that are no transaction", async () => {
    const [limit, price, pay, note] = await standard();
    const stranger = await generateKeyPairSigner();
    const signedNote: Instruction = {
      ...note!,
      accounts: [{ address: stranger.address, role: 2, signer: stranger } as never],
    };
    expect(await reasonOf(await build([limit!, price!, pay!, signedNote]))).toBe(
      REASONS.X402_SVM_TRANSACTION_INVALID,
    );
    const bytes = Buffer.from(await build(await standard()), 'base64');
    // The wire form: a signature count, then 64-byte signatures (the fee payer's empty, the payer's).
    bytes.writeUInt8(bytes.readUInt8(1 + 64 + 10) ^ 0xff, 1 + 64 + 10);
    expect(await reasonOf(bytes.toString('base64'))).toBe(REASONS.X402_SVM_TRANSACTION_INVALID);
    expect(await reasonOf('bm90IGEgdHJhbnNhY3Rpb24=')).toBe(REASONS.X402_SVM_TRANSACTION_INVALID);
  });
});
