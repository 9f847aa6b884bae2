import { getMintDecoder, getTokenDecoder } from '@solana-program/token';
import {
  getBase58Decoder,
  getBase64Decoder,
  getBase64Encoder,
  getTransactionDecoder,
  type Address,
  type Lamports,
  type Transaction,
} from '@solana/kit';
import { FailedTransactionMetadata, type LiteSVM } from 'litesvm';
import {
  COMMITMENT_RANK,
  rpcError,
  uiAmountString,
  type Commitment,
  type Ledger,
  type LedgerEntry,
} from './ledger.js';

/** A JSON-RPC error answered to the client (`code` as Solana's RPC uses them). */
export class RpcMethodError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcMethodError';
  }
}

type Params = unknown[];
type Handler = (params: Params) => unknown;

function str(params: Params, i: number, what: string): string {
  const v = params[i];
  if (typeof v !== 'string' || v === '')
    throw new RpcMethodError(-32602, `Invalid params: ${what} must be a string`);
  return v;
}

function config(params: Params, i: number): Record<string, unknown> {
  const v = params[i];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function commitmentOf(cfg: Record<string, unknown>, min: Commitment = 'processed'): Commitment {
  const c = cfg['commitment'];
  const level: Commitment = c === 'processed' || c === 'confirmed' || c === 'finalized' ? c : 'finalized';
  if (COMMITMENT_RANK[level] < COMMITMENT_RANK[min])
    throw new RpcMethodError(-32602, `Method does not support commitment below \`${min}\``);
  return level;
}

function visible(entry: LedgerEntry, at: Commitment): boolean {
  return COMMITMENT_RANK[entry.commitment] >= COMMITMENT_RANK[at];
}

function status(entry: LedgerEntry) {
  return {
    slot: entry.slot,
    confirmations: entry.commitment === 'finalized' ? null : 0,
    err: entry.err,
    status: entry.err === null ? { Ok: null } : { Err: entry.err },
    confirmationStatus: entry.commitment,
  };
}

/** The methods the front answers, with the result shapes of Solana's JSON-RPC documentation. */
export function createMethods(svm: LiteSVM, ledger: Ledger): Map<string, Handler> {
  const context = () => ({ slot: ledger.slot, apiVersion: '2.2.0' });
  const b64 = getBase64Decoder();
  const methods = new Map<string, Handler>();

  methods.set('getHealth', () => 'ok');
  methods.set('getVersion', () => ({ 'solana-core': '2.2.0-litesvm', 'feature-set': 0 }));
  methods.set('getGenesisHash', () => 'LiteSVM1111111111111111111111111111111111111');
  methods.set('getSlot', () => ledger.slot);
  methods.set('getBlockHeight', () => ledger.slot);
  methods.set('getLatestBlockhash', () => ({
    context: context(),
    value: { blockhash: String(svm.latestBlockhash()), lastValidBlockHeight: ledger.slot + 150 },
  }));
  methods.set('isBlockhashValid', (p) => ({
    context: context(),
    value: str(p, 0, 'blockhash') === String(svm.latestBlockhash()),
  }));
  methods.set('getMinimumBalanceForRentExemption', (p) => {
    const len = p[0];
    if (typeof len !== 'number' || !Number.isInteger(len) || len < 0)
      throw new RpcMethodError(-32602, 'Invalid params: data length');
    return svm.minimumBalanceForRentExemption(BigInt(len));
  });
  methods.set('getBalance', (p) => ({ context: context(), value: ledger.lamports(str(p, 0, 'address')) }));
  methods.set('getAccountInfo', (p) => {
    const account = svm.getAccount(str(p, 0, 'address') as Address);
    if (!account.exists) return { context: context(), value: null };
    return {
      context: context(),
      value: {
        data: [b64.decode(account.data), 'base64'],
        executable: account.executable,
        lamports: account.lamports,
        owner: String(account.programAddress),
        rentEpoch: 18446744073709551615n,
        space: account.data.length,
      },
    };
  });
  methods.set('getTokenAccountBalance', (p) => {
    const address = str(p, 0, 'address');
    const balances = tokenBalance(svm, address);
    if (!balances) throw new RpcMethodError(-32602, 'Invalid param: not a Token account');
    return { context: context(), value: balances };
  });
  methods.set('requestAirdrop', (p) => {
    const address = str(p, 0, 'address');
    const amount = p[1];
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0)
      throw new RpcMethodError(-32602, 'Invalid params: lamports');
    const pre = ledger.lamports(address);
    const result = svm.airdrop(address as Address, BigInt(amount) as Lamports);
    if (!result || result instanceof FailedTransactionMetadata)
      throw new RpcMethodError(-32600, 'airdrop failed');
    const signature = getBase58Decoder().decode(result.signature());
    ledger.slot += 1;
    // The faucet's transaction is internal to LiteSVM: only the recipient's side is recorded.
    ledger.record({
      signature,
      slot: ledger.slot,
      blockTime: Math.floor(Date.now() / 1000),
      commitment: 'finalized',
      err: null,
      fee: 0n,
      version: 'legacy',
      signatures: [signature],
      accountKeys: [address],
      header: { numRequiredSignatures: 0, numReadonlySignedAccounts: 0, numReadonlyUnsignedAccounts: 0 },
      recentBlockhash: String(svm.latestBlockhash()),
      instructions: [],
      preBalances: [pre],
      postBalances: [ledger.lamports(address)],
      preTokenBalances: [],
      postTokenBalances: [],
      logMessages: result.logs(),
      computeUnitsConsumed: 0n,
    });
    return signature;
  });
  methods.set('sendTransaction', (p) => {
    const wire = str(p, 0, 'transaction');
    const cfg = config(p, 1);
    if (cfg['encoding'] !== undefined && cfg['encoding'] !== 'base64')
      throw new RpcMethodError(-32602, 'only base64 transactions are accepted here');
    let outcome;
    try {
      outcome = ledger.send(wire, cfg['skipPreflight'] === true);
    } catch (err) {
      if (err instanceof RpcMethodError) throw err;
      throw new RpcMethodError(
        -32602,
        `invalid transaction: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (!outcome.landed) {
      throw new RpcMethodError(-32002, 'Transaction simulation failed', {
        err: outcome.err,
        logs: outcome.logs,
        accounts: null,
        unitsConsumed: outcome.unitsConsumed,
        returnData: null,
      });
    }
    return outcome.entry.signature;
  });
  methods.set('simulateTransaction', (p) => {
    const wire = str(p, 0, 'transaction');
    const tx = getTransactionDecoder().decode(getBase64Encoder().encode(wire)) as Transaction;
    const sim = svm.simulateTransaction(tx);
    const failed = sim instanceof FailedTransactionMetadata;
    const meta = sim.meta();
    return {
      context: context(),
      value: {
        err: failed ? rpcError(sim.err()) : null,
        logs: meta.logs(),
        accounts: null,
        unitsConsumed: meta.computeUnitsConsumed(),
        returnData: null,
      },
    };
  });
  methods.set('getSignatureStatuses', (p) => {
    const sigs = p[0];
    if (!Array.isArray(sigs) || sigs.length > 256)
      throw new RpcMethodError(-32602, 'Invalid params: signatures');
    return {
      context: context(),
      value: sigs.map((s) =>
        typeof s === 'string' && ledger.entries.has(s) ? status(ledger.entries.get(s) as LedgerEntry) : null,
      ),
    };
  });
  methods.set('getSignaturesForAddress', (p) => {
    const address = str(p, 0, 'address');
    const cfg = config(p, 1);
    const at = commitmentOf(cfg, 'confirmed');
    const limit = typeof cfg['limit'] === 'number' ? cfg['limit'] : 1000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new RpcMethodError(-32602, 'Invalid limit');
    const newestFirst = [...(ledger.byAddress.get(address) ?? [])].reverse();
    let start = 0;
    if (typeof cfg['before'] === 'string') {
      const i = newestFirst.indexOf(cfg['before']);
      start = i === -1 ? newestFirst.length : i + 1;
    }
    const out = [];
    for (const sig of newestFirst.slice(start)) {
      if (sig === cfg['until']) break;
      const entry = ledger.entries.get(sig) as LedgerEntry;
      if (!visible(entry, at)) continue;
      out.push({
        signature: sig,
        slot: entry.slot,
        err: entry.err,
        memo: null,
        blockTime: entry.blockTime,
        confirmationStatus: entry.commitment,
      });
      if (out.length >= limit) break;
    }
    return out;
  });
  methods.set('getTransaction', (p) => {
    const signature = str(p, 0, 'signature');
    const cfg = config(p, 1);
    const at = commitmentOf(cfg, 'confirmed');
    const encoding = cfg['encoding'] ?? 'json';
    if (encoding !== 'json')
      throw new RpcMethodError(
        -32602,
        `encoding ${String(encoding)} is not served by the LiteSVM front (json only)`,
      );
    const entry = ledger.entries.get(signature);
    if (!entry || !visible(entry, at) || entry.instructions.length === 0) return null;
    if (entry.version === 0 && cfg['maxSupportedTransactionVersion'] === undefined) {
      throw new RpcMethodError(
        -32015,
        'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0',
      );
    }
    return {
      slot: entry.slot,
      blockTime: entry.blockTime,
      version: entry.version,
      transaction: {
        signatures: entry.signatures,
        message: {
          accountKeys: entry.accountKeys,
          header: entry.header,
          recentBlockhash: entry.recentBlockhash,
          instructions: entry.instructions,
          ...(entry.version === 0 ? { addressTableLookups: [] } : {}),
        },
      },
      meta: {
        err: entry.err,
        status: entry.err === null ? { Ok: null } : { Err: entry.err },
        fee: entry.fee,
        preBalances: entry.preBalances,
        postBalances: entry.postBalances,
        innerInstructions: [],
        logMessages: entry.logMessages,
        preTokenBalances: entry.preTokenBalances,
        postTokenBalances: entry.postTokenBalances,
        rewards: [],
        loadedAddresses: { writable: [], readonly: [] },
        computeUnitsConsumed: entry.computeUnitsConsumed,
      },
    };
  });
  return methods;
}

function tokenBalance(svm: LiteSVM, address: string) {
  const account = svm.getAccount(address as Address);
  if (!account.exists || account.data.length < 165) return undefined;
  const token = getTokenDecoder().decode(account.data);
  const mint = svm.getAccount(token.mint);
  if (!mint.exists) return undefined;
  const decimals = getMintDecoder().decode(mint.data).decimals;
  return {
    amount: token.amount.toString(),
    decimals,
    uiAmount: Number(token.amount) / 10 ** decimals,
    uiAmountString: uiAmountString(token.amount, decimals),
  };
}
