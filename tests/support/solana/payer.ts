import { getCreateAccountInstruction, getTransferSolInstruction } from '@solana-program/system';
import {
  findAssociatedTokenPda,
  getCreateAssociatedTokenIdempotentInstruction,
  getInitializeMint2Instruction,
  getMintSize,
  getMintToInstruction,
  getTransferCheckedInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import {
  AccountRole,
  appendTransactionMessageInstructions,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase64EncodedWireTransaction,
  getSignatureFromTransaction,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type Address,
  type Rpc as RpcOf,
  type SolanaRpcApi,
  type Instruction,
  type KeyPairSigner,
} from '@solana/kit';

/**
 * Test-side wallet code: builds, signs and sends real System / SPL Token transactions through an
 * RPC URL with @solana/kit, the way a payer's wallet would. Used against the LiteSVM front.
 */
export type Rpc = RpcOf<SolanaRpcApi>;

/** Adds a Solana Pay reference: a read-only, non-signer account on the transfer instruction. */
export function withReference(ix: Instruction, reference: string | undefined): Instruction {
  if (reference === undefined) return ix;
  return {
    ...ix,
    accounts: [...(ix.accounts ?? []), { address: reference as Address, role: AccountRole.READONLY }],
  };
}

/** Signs and sends `instructions` (fee paid by `feePayer`); resolves to the signature. */
export async function sendInstructions(
  rpc: Rpc,
  feePayer: KeyPairSigner,
  instructions: Instruction[],
  opts: { skipPreflight?: boolean } = {},
): Promise<string> {
  const { value: blockhash } = await rpc.getLatestBlockhash().send();
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(feePayer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  const tx = await signTransactionMessageWithSigners(message);
  const wire = getBase64EncodedWireTransaction(tx);
  const sig = await rpc
    .sendTransaction(wire, { encoding: 'base64', skipPreflight: opts.skipPreflight ?? false })
    .send();
  if (sig !== getSignatureFromTransaction(tx)) throw new Error('the RPC answered another signature');
  return sig;
}

/** A funded key pair (airdrop through the RPC). */
export async function fundedSigner(rpc: Rpc, lamports = 10_000_000_000n): Promise<KeyPairSigner> {
  const signer = await generateKeyPairSigner();
  await rpc.requestAirdrop(signer.address, lamports as never).send();
  return signer;
}

/** Creates an SPL mint with `authority` as mint authority. */
export async function createMint(rpc: Rpc, authority: KeyPairSigner, decimals: number): Promise<Address> {
  const mint = await generateKeyPairSigner();
  const space = BigInt(getMintSize());
  const rent = await rpc.getMinimumBalanceForRentExemption(space).send();
  await sendInstructions(rpc, authority, [
    getCreateAccountInstruction({
      payer: authority,
      newAccount: mint,
      lamports: rent,
      space,
      programAddress: TOKEN_PROGRAM_ADDRESS,
    }),
    getInitializeMint2Instruction({ mint: mint.address, decimals, mintAuthority: authority.address }),
  ]);
  return mint.address;
}

/** The associated token account of `owner` for `mint`, created (idempotently) by `payer`. */
export async function createAta(
  rpc: Rpc,
  payer: KeyPairSigner,
  owner: Address,
  mint: Address,
): Promise<Address> {
  const [ata] = await findAssociatedTokenPda({ owner, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS });
  await sendInstructions(rpc, payer, [
    getCreateAssociatedTokenIdempotentInstruction({ payer, ata, owner, mint }),
  ]);
  return ata;
}

export async function mintTo(
  rpc: Rpc,
  authority: KeyPairSigner,
  mint: Address,
  to: Address,
  amount: bigint,
): Promise<string> {
  return sendInstructions(rpc, authority, [
    getMintToInstruction({ mint, token: to, mintAuthority: authority, amount }),
  ]);
}

/**
 * Pays `amount` of `mint` from `from`'s ATA to `recipient`'s ATA (created if missing, as wallets
 * do) with `transferChecked`, carrying the Solana Pay `reference` when given.
 */
export async function payToken(
  rpc: Rpc,
  input: {
    from: KeyPairSigner;
    recipient: Address;
    mint: Address;
    decimals: number;
    amount: bigint;
    reference?: string;
    skipPreflight?: boolean;
  },
): Promise<string> {
  const [source] = await findAssociatedTokenPda({
    owner: input.from.address,
    mint: input.mint,
    tokenProgram: TOKEN_PROGRAM_ADDRESS,
  });
  const [destination] = await findAssociatedTokenPda({
    owner: input.recipient,
    mint: input.mint,
    tokenProgram: TOKEN_PROGRAM_ADDRESS,
  });
  const transfer = getTransferCheckedInstruction({
    source,
    mint: input.mint,
    destination,
    authority: input.from,
    amount: input.amount,
    decimals: input.decimals,
  });
  return sendInstructions(
    rpc,
    input.from,
    [
      getCreateAssociatedTokenIdempotentInstruction({
        payer: input.from,
        ata: destination,
        owner: input.recipient,
        mint: input.mint,
      }),
      withReference(transfer, input.reference),
    ],
    input.skipPreflight === undefined ? {} : { skipPreflight: input.skipPreflight },
  );
}

/** Pays `lamports` SOL from `from` to `recipient`, carrying the Solana Pay `reference` when given. */
export async function paySol(
  rpc: Rpc,
  input: {
    from: KeyPairSigner;
    recipient: Address;
    lamports: bigint;
    reference?: string;
    skipPreflight?: boolean;
  },
): Promise<string> {
  const ix = getTransferSolInstruction({
    source: input.from,
    destination: input.recipient,
    amount: input.lamports,
  });
  return sendInstructions(
    rpc,
    input.from,
    [withReference(ix, input.reference)],
    input.skipPreflight === undefined ? {} : { skipPreflight: input.skipPreflight },
  );
}

/** A fresh random public key (no private key kept): what a Solana Pay reference is. */
export async function randomAddress(): Promise<Address> {
  return (await generateKeyPairSigner()).address;
}
