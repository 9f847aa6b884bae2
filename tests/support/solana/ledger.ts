import { getMintDecoder, getTokenDecoder } from '@solana-program/token';
import {
  getBase58Decoder,
  getBase64Encoder,
  getCompiledTransactionMessageDecoder,
  getSignatureFromTransaction,
  getTransactionDecoder,
  type Address,
  type Transaction,
} from '@solana/kit';
import { FailedTransactionMetadata, type LiteSVM } from 'litesvm';
import { FIELDLESS_TRANSACTION_ERRORS } from './fieldless-errors.js';

/** SPL Token and Token-2022: the programs whose accounts carry token balances. */
const TOKEN_PROGRAMS = new Set([
  'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
  'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb',
]);
/** LiteSVM's default fee per signature (the same as mainnet's base fee). */
const LAMPORTS_PER_SIGNATURE = 5_000n;

export type Commitment = 'processed' | 'confirmed' | 'finalized';
export const COMMITMENT_RANK: Record<Commitment, number> = { processed: 0, confirmed: 1, finalized: 2 };

export interface TokenBalance {
  accountIndex: number;
  mint: string;
  owner: string;
  programId: string;
  uiTokenAmount: { amount: string; decimals: number; uiAmount: number | null; uiAmountString: string };
}

/** A landed transaction, in the shapes getTransaction (json) answers with. */
export interface LedgerEntry {
  signature: string;
  slot: number;
  blockTime: number;
  commitment: Commitment;
  /** Solana-RPC-style error JSON, null on success. */
  err: unknown;
  fee: bigint;
  version: 'legacy' | 0;
  signatures: string[];
  accountKeys: string[];
  header: {
    numRequiredSignatures: number;
    numReadonlySignedAccounts: number;
    numReadonlyUnsignedAccounts: number;
  };
  recentBlockhash: string;
  instructions: Array<{ programIdIndex: number; accounts: number[]; data: string; stackHeight: null }>;
  preBalances: bigint[];
  postBalances: bigint[];
  preTokenBalances: TokenBalance[];
  postTokenBalances: TokenBalance[];
  logMessages: string[];
  computeUnitsConsumed: bigint;
}

export type SendOutcome =
  | { landed: true; entry: LedgerEntry }
  | { landed: false; err: unknown; logs: string[]; unitsConsumed: bigint };

/** "1.5" for 1500000 with 6 decimals, the way the RPC's uiAmountString reads. */
export function uiAmountString(amount: bigint, decimals: number): string {
  if (decimals === 0) return amount.toString();
  const s = amount.toString().padStart(decimals + 1, '0');
  const whole = s.slice(0, -decimals);
  const frac = s.slice(-decimals).replace(/0+$/, '');
  return frac === '' ? whole : `${whole}.${frac}`;
}

/** Converts LiteSVM's error objects to the JSON the RPC uses (`{InstructionError:[i,{Custom:n}]}`). */
export function rpcError(err: unknown): unknown {
  const e = err as { index?: number; err?: () => unknown; accountIndex?: number; toString(): string };
  if (typeof e === 'object' && e !== null && typeof e.err === 'function' && typeof e.index === 'number') {
    const inner = e.err() as { code?: number; toString(): string } | number;
    if (typeof inner === 'object' && inner !== null && typeof inner.code === 'number')
      return { InstructionError: [e.index, { Custom: inner.code }] };
    return { InstructionError: [e.index, String(inner)] };
  }
  if (typeof e === 'object' && e !== null && typeof e.accountIndex === 'number')
    return { InsufficientFundsForRent: { account_index: e.accountIndex } };
  if (typeof err === 'number') return FIELDLESS_TRANSACTION_ERRORS[err] ?? String(err);
  return String(err);
}

/**
 * The transaction history LiteSVM does not keep in RPC form: per-tx balances (snapshotted around
 * `svm.sendTransaction`, because LiteSVM's metadata has no pre/post balances), an address →
 * signatures index for getSignaturesForAddress, and the commitment each tx is reported at.
 */
export class Ledger {
  readonly entries = new Map<string, LedgerEntry>();
  /** address → signatures, oldest first (readers reverse). */
  readonly byAddress = new Map<string, string[]>();
  slot = 1;

  constructor(
    private readonly svm: LiteSVM,
    private readonly opts: { now: () => number; landAt: () => Commitment },
  ) {}

  /** Runs a base64 wire transaction; a failing one lands with its error only when preflight is skipped. */
  send(wireBase64: string, skipPreflight: boolean): SendOutcome {
    const tx = getTransactionDecoder().decode(getBase64Encoder().encode(wireBase64)) as Transaction;
    if (getCompiledTransactionMessageDecoder().decode(tx.messageBytes).version === 1) {
      throw new Error('version 1 transactions are not served by the LiteSVM front');
    }
    if (!skipPreflight) {
      const sim = this.svm.simulateTransaction(tx);
      if (sim instanceof FailedTransactionMetadata) {
        const meta = sim.meta();
        return {
          landed: false,
          err: rpcError(sim.err()),
          logs: meta.logs(),
          unitsConsumed: meta.computeUnitsConsumed(),
        };
      }
    }
    const message = getCompiledTransactionMessageDecoder().decode(tx.messageBytes);
    if (message.version === 1) throw new Error('version 1 transactions are not served by the LiteSVM front');
    const keys = message.staticAccounts.map(String);
    const preBalances = keys.map((k) => this.lamports(k));
    const preTokenBalances = this.tokenBalances(keys);
    const result = this.svm.sendTransaction(tx);
    const failed = result instanceof FailedTransactionMetadata;
    const meta = failed ? result.meta() : result;
    const signature = getSignatureFromTransaction(tx);
    const b58 = getBase58Decoder();
    this.slot += 1;
    const entry: LedgerEntry = {
      signature,
      slot: this.slot,
      blockTime: Math.floor(this.opts.now() / 1000),
      commitment: this.opts.landAt(),
      err: failed ? rpcError(result.err()) : null,
      fee: LAMPORTS_PER_SIGNATURE * BigInt(message.header.numSignerAccounts),
      version: message.version === 'legacy' ? 'legacy' : 0,
      signatures: Object.values(tx.signatures).map((s) => (s ? b58.decode(s) : '1'.repeat(64))),
      accountKeys: keys,
      header: {
        numRequiredSignatures: message.header.numSignerAccounts,
        numReadonlySignedAccounts: message.header.numReadonlySignerAccounts,
        numReadonlyUnsignedAccounts: message.header.numReadonlyNonSignerAccounts,
      },
      recentBlockhash: String(message.lifetimeToken),
      instructions: (message.instructions ?? []).map((ix) => ({
        programIdIndex: ix.programAddressIndex,
        accounts: [...(ix.accountIndices ?? [])],
        data: b58.decode(ix.data ?? new Uint8Array()),
        stackHeight: null,
      })),
      preBalances,
      postBalances: keys.map((k) => this.lamports(k)),
      preTokenBalances,
      postTokenBalances: this.tokenBalances(keys),
      logMessages: meta.logs(),
      computeUnitsConsumed: meta.computeUnitsConsumed(),
    };
    this.record(entry);
    return { landed: true, entry };
  }

  record(entry: LedgerEntry): void {
    this.entries.set(entry.signature, entry);
    for (const key of new Set(entry.accountKeys)) {
      const list = this.byAddress.get(key) ?? [];
      list.push(entry.signature);
      this.byAddress.set(key, list);
    }
  }

  lamports(address: string): bigint {
    return this.svm.getBalance(address as Address) ?? 0n;
  }

  private tokenBalances(keys: readonly string[]): TokenBalance[] {
    const out: TokenBalance[] = [];
    keys.forEach((key, accountIndex) => {
      const account = this.svm.getAccount(key as Address);
      if (!account.exists || !TOKEN_PROGRAMS.has(String(account.programAddress)) || account.data.length < 165)
        return;
      const token = getTokenDecoder().decode(account.data);
      const mint = this.svm.getAccount(token.mint);
      const decimals = mint.exists ? getMintDecoder().decode(mint.data).decimals : 0;
      out.push({
        accountIndex,
        mint: String(token.mint),
        owner: String(token.owner),
        programId: String(account.programAddress),
        uiTokenAmount: {
          amount: token.amount.toString(),
          decimals,
          uiAmount: Number(token.amount) / 10 ** decimals,
          uiAmountString: uiAmountString(token.amount, decimals),
        },
      });
    });
    return out;
  }
}
